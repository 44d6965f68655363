/**
 * @module Builds the browser client into dist/web/: esbuild bundles web/src/main.ts and
 * web/styles/app.css into content-hashed files under assets/ (served as immutable), and
 * web/index.html becomes dist/web/index.html pointing at them, with subresource integrity.
 * Run by `npm run build`; no network, no CDN.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
const outDir = path.join(root, 'dist', 'web');
const assetsDir = path.join(outDir, 'assets');

const TYPEBOX_KIND = Symbol.for('TypeBox.Kind');

/** Whether a value is, or holds, a TypeBox schema (which carries its descriptions). */
function holdsSchema(value) {
  if (typeof value !== 'object' || value === null) return false;
  return value[TYPEBOX_KIND] !== undefined || Object.values(value).some(holdsSchema);
}

/**
 * A module's exported data as JavaScript source: functions and schemas left out (importing one
 * fails the build), and an object that occurs more than once (equal in content) declared once, as
 * `const $n`, so that esbuild can also drop what the page does not use.
 */
function dataModule(exports) {
  const data = Object.entries(exports).filter(([, value]) => typeof value !== 'function' && !holdsSchema(value));
  const uses = new Map();
  const count = (value) => {
    if (typeof value !== 'object' || value === null) return;
    const key = JSON.stringify(value);
    uses.set(key, (uses.get(key) ?? 0) + 1);
    Object.values(value).forEach(count);
  };
  data.forEach(([, value]) => count(value));
  const declarations = [];
  const names = new Map();
  const emit = (value) => {
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    const key = JSON.stringify(value);
    if (names.has(key)) return names.get(key);
    const literal = Array.isArray(value)
      ? `[${value.map(emit).join(',')}]`
      : `{${Object.entries(value).map(([field, item]) => `${JSON.stringify(field)}:${emit(item)}`).join(',')}}`;
    if (uses.get(key) === 1) return literal;
    const name = `$${names.size}`;
    names.set(key, name);
    declarations.push(`const ${name}=${literal};`);
    return name;
  };
  const body = data.map(([name, value]) => `export const ${name}=${emit(value)};`);
  return [...declarations, ...body].join('\n');
}

/**
 * The wire's schema modules (src/protocol/schema/) build their schemas with TypeBox, whose builders
 * would add ~50 KiB to the page, which needs only data derived from them. So the page bundles each
 * such module as its evaluated exports (from dist/, which tsc has just built).
 */
function schemaAsData() {
  return {
    name: 'schema-as-data',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]protocol[\\/]schema[\\/][^\\/]+\.ts$/ }, async (args) => {
        const compiled = path.join(root, 'dist', path.relative(path.join(root, 'src'), args.path)).replace(/\.ts$/, '.js');
        return { contents: dataModule(await import(pathToFileURL(compiled).href)), loader: 'js' };
      });
    },
  };
}

function hashOf(bytes, algorithm = 'sha256', encoding = 'hex') {
  return createHash(algorithm).update(bytes).digest(encoding);
}

async function build() {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assetsDir, { recursive: true });

  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: 'web/src/main.ts', style: 'web/styles/app.css' },
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [schemaAsData()],
    pure: ['Object.freeze'],
    charset: 'utf8',
  });
  if (process.env.HUBBUB_WEB_META) await writeFile(process.env.HUBBUB_WEB_META, JSON.stringify(result.metafile));
  const typebox = Object.keys(result.metafile.inputs).filter((input) => input.includes('@sinclair/typebox'));
  if (typebox.length > 0) throw new Error(`TypeBox would be bundled into the page (from ${typebox[0]}): import only src/protocol/schema/ data there`);

  const outputs = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint === 'web/src/main.ts') outputs.js = file;
    if (file.endsWith('.css') && !file.endsWith('.map')) outputs.css = file;
  }
  if (!outputs.js || !outputs.css) throw new Error(`esbuild produced no script or stylesheet: ${Object.keys(result.metafile.outputs).join(', ')}`);

  const favicon = await readFile(path.join(webDir, 'public', 'favicon.svg'));
  const faviconName = `favicon-${hashOf(favicon).slice(0, 10)}.svg`;
  await copyFile(path.join(webDir, 'public', 'favicon.svg'), path.join(assetsDir, faviconName));

  const urlOf = (file) => `/assets/${path.basename(file)}`;
  const integrityOf = async (file) => `sha384-${hashOf(await readFile(path.join(root, file)), 'sha384', 'base64')}`;
  const values = {
    js: urlOf(outputs.js),
    'js.integrity': await integrityOf(outputs.js),
    css: urlOf(outputs.css),
    'css.integrity': await integrityOf(outputs.css),
    favicon: `/assets/${faviconName}`,
  };
  const template = await readFile(path.join(webDir, 'index.html'), 'utf8');
  const html = template.replace(/\{\{([\w.]+)\}\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`web/index.html: unknown placeholder {{${name}}}`);
    return values[name];
  });
  await writeFile(path.join(outDir, 'index.html'), html);

  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .map(([file, meta]) => `${path.basename(file)} ${(meta.bytes / 1024).toFixed(1)} KiB`);
  process.stdout.write(`web client built into dist/web: ${sizes.join(', ')}\n`);
}

build().catch((err) => {
  process.stderr.write(`build-web failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
