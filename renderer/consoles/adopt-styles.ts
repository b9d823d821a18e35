/**
 * xterm.js sizes its rows and colours through <style> elements it adds under the terminal. The desktop window's
 * CSP (electron/main/csp.ts) has no 'unsafe-inline' for styles, so those elements do not apply there; this
 * mirrors their text into constructed stylesheets (CSSOM, which CSP does not govern), kept current as xterm
 * rewrites them. Under web mode's policy the rules simply apply twice.
 */
export function adoptStyles(root: HTMLElement): () => void {
  if (typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in document)) return () => {};
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const sync = () => {
    const present = new Set(root.querySelectorAll('style'));
    for (const [el, sheet] of sheets) {
      if (!present.has(el)) {
        sheets.delete(el);
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      }
    }
    for (const el of present) {
      let sheet = sheets.get(el);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheets.set(el, sheet);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      sheet.replaceSync(el.textContent ?? '');
    }
  };
  const observer = new MutationObserver(sync);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    const mine = new Set(sheets.values());
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !mine.has(s));
    sheets.clear();
  };
}
