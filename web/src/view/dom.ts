/**
 * @module The only way the page builds DOM: elements, attributes and text nodes. There is no path
 * from a string to markup here (no innerHTML, no event-handler or style attributes); the page's
 * Content-Security-Policy makes Chromium enforce the same with Trusted Types.
 */

type Child = Node | string | undefined | false;

export interface ElementOptions {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
}

const FORBIDDEN_ATTRIBUTE = /^(on|style$|srcdoc$)/i;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`refusing to set the ${name} attribute`);
    element.setAttribute(name, value);
  }
  if (options.text !== undefined) element.textContent = options.text;
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** An element the page's HTML must contain; a missing one is a build mistake, reported loudly. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`page is missing #${id}`);
  return element;
}

/**
 * Makes a list's children match `items`, reusing the element of each key so focus and state
 * survive updates; `render` fills a (new or reused) element for its item.
 */
export function syncList<T>(list: HTMLElement, items: readonly T[], key: (item: T) => string, render: (item: T, existing: HTMLLIElement | undefined) => HTMLLIElement): void {
  const existing = new Map<string, HTMLLIElement>();
  for (const child of Array.from(list.children)) {
    if (child instanceof HTMLLIElement && child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  let cursor: Element | null = list.firstElementChild;
  for (const item of items) {
    const itemKey = key(item);
    const reused = existing.get(itemKey);
    existing.delete(itemKey);
    const element = render(item, reused);
    if (reused !== undefined && element !== reused) {
      if (cursor === reused) cursor = reused.nextElementSibling;
      reused.remove();
    }
    element.dataset.key = itemKey;
    if (element !== cursor) list.insertBefore(element, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const stale of existing.values()) stale.remove();
}
