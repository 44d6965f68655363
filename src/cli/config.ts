/** @module `hubbub config`: prints the example configuration, or checks a configuration file. */
import { parseArgs } from 'node:util';
import { readConfigFile } from '../config/config-file.js';
import { exampleConfig } from '../config/example-config.js';
import { resolveConfig } from '../config/options.js';

export const CONFIG_USAGE = `Usage: hubbub config --example | --check <file>

  --example        print a configuration file with every key, its help and its default
                   (hubbub.example.yaml is this output)
  --check <file>   read a configuration file (YAML or JSON) as hubbub serve --config would,
                   without flags or HUBBUB_* variables; print the first problem with its line
  -h, --help       show this help`;

export function config(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { example: { type: 'boolean' }, check: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.example) {
    process.stdout.write(exampleConfig());
  } else if (values.check !== undefined) {
    resolveConfig({}, {}, readConfigFile(values.check));
    process.stdout.write(`${values.check}: ok\n`);
  } else {
    process.stdout.write(CONFIG_USAGE + '\n');
    return Promise.resolve(values.help ? 0 : 2);
  }
  return Promise.resolve(0);
}
