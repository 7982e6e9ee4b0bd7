// CodeMirror writes its styles into a <style> element, which the pages' Content-Security-Policy
// (`style-src 'self'`, no inline styles) refuses. A constructed style sheet is not markup the
// policy governs, so the editor's rules go into one, adopted by the document, instead.
import { StyleModule } from "style-mod";

const sheet = new CSSStyleSheet();
const mounted = new Set();

StyleModule.mount = (root, modules) => {
  // CodeMirror mounts its base theme first and the themes that override it after.
  for (const module of [modules].flat()) {
    if (mounted.has(module)) continue;
    mounted.add(module);
    for (const rule of module.rules) sheet.insertRule(rule, sheet.cssRules.length);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) {
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }
};
