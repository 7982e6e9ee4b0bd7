// The policy editor: CodeMirror over a page's <textarea>, which stays the source of truth. Every
// change is written back into the textarea with an `input` event, so the page (and its form)
// sees what it would see from typing there. The page calls the functions exported here through
// a small bridge (app/src/pages/policies/editor_browser.rs); without this bundle the textarea
// works on its own. scripts/build.sh bundles it with esbuild into target/site/pkg/editor.js.
import "./csp-styles.js";
import { EditorState, RangeSet, StateEffect, StateField } from "@codemirror/state";
import {
  EditorView, GutterMarker, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap,
  lineNumberMarkers, lineNumbers,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { HighlightStyle, bracketMatching, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { lintGutter, setDiagnostics as lintDiagnostics } from "@codemirror/lint";
import { tags } from "@lezer/highlight";
import { policyCompletions } from "./completion.js";

/** Each enhanced textarea's editor. */
const editors = new WeakMap();

// The site's colours (style/main.css), so light and dark follow the page.
const theme = EditorView.theme({
  "&": { flex: "1 1 auto", minWidth: "0", color: "var(--text)", backgroundColor: "var(--surface)" },
  "&.cm-focused": { outline: "none", boxShadow: "var(--focus)" },
  ".cm-scroller": { font: "0.875rem/1.5 var(--font-mono)" },
  ".cm-content": { padding: "var(--space-2) 0", caretColor: "var(--text)" },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { color: "var(--muted)", backgroundColor: "var(--bg)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--accent) 6%, transparent)" },
  ".cm-activeLineGutter": { color: "var(--text)", backgroundColor: "color-mix(in srgb, var(--accent) 14%, transparent)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground": {
    backgroundColor: "color-mix(in srgb, var(--accent) 28%, transparent)",
  },
  ".cm-tooltip": { color: "var(--text)", backgroundColor: "var(--surface)", border: "1px solid var(--border)" },
  ".cm-tooltip.cm-tooltip-autocomplete > ul > li[aria-selected]": { color: "var(--on-accent)", backgroundColor: "var(--accent)" },
  ".cm-completionDetail": { color: "inherit" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--red-fg)" },
  ".cm-diagnostic-warning": { borderLeftColor: "var(--amber-fg)" },
});

const highlighting = HighlightStyle.define([
  { tag: tags.definition(tags.propertyName), color: "var(--accent)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--green-fg)" },
  { tag: tags.lineComment, color: "var(--muted)", fontStyle: "italic" },
  { tag: [tags.separator, tags.meta, tags.labelName, tags.typeName], color: "var(--muted)" },
]);

/** The line numbers of lines with an error, marked like the page's own gutter does. */
const errorLineMarker = new (class extends GutterMarker {
  elementClass = "error-line";
})();
const setErrorLines = StateEffect.define();
const errorLines = StateField.define({
  create: () => RangeSet.empty,
  update(lines, transaction) {
    lines = lines.map(transaction.changes);
    for (const effect of transaction.effects) if (effect.is(setErrorLines)) lines = effect.value;
    return lines;
  },
  provide: (field) => lineNumberMarkers.from(field),
});

/** The document position of a 1-based line and column (columns count characters). */
function position(doc, line, column) {
  const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
  const before = [...at.text].slice(0, Math.max(column - 1, 0)).join("");
  return at.from + before.length;
}

/** A diagnostic of the dry run as CodeMirror's: from its column to the end of the word there. */
function toLint(doc, { line, column, severity, message }) {
  const from = position(doc, line, column);
  const rest = doc.sliceString(from, doc.lineAt(from).to);
  const word = /^[^\s,:\]}]*/.exec(rest)[0].length || Math.min(rest.length, 1);
  return { from, to: from + word, severity, message };
}

/** What named the (now hidden) textarea names the editor instead: the id of the element. */
function labelFor(textarea, focus) {
  const label = textarea.labels?.[0];
  const named = textarea.getAttribute("aria-labelledby");
  textarea.removeAttribute("aria-labelledby");
  if (!label) return named;
  // A <label> can only point at a form control: it names the editor through its id.
  label.id ||= `${textarea.id}-label`;
  label.removeAttribute("for");
  label.addEventListener("click", focus);
  return label.id;
}

/** Puts an editor over `textarea`; `readOnly` for texts that cannot change. */
export function enhance(textarea, { readOnly = false, routes = [] } = {}) {
  if (editors.has(textarea) || !textarea.isConnected) return;
  let view;
  const labelledBy = labelFor(textarea, () => view.focus());
  view = new EditorView({
    parent: textarea.parentElement,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        errorLines,
        lintGutter(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        bracketMatching(),
        indentUnit.of("  "),
        EditorState.tabSize.of(2),
        yaml(),
        syntaxHighlighting(highlighting),
        autocompletion({ override: [policyCompletions(routes)] }),
        keymap.of([...completionKeymap, ...historyKeymap, ...defaultKeymap, indentWithTab]),
        EditorState.readOnly.of(readOnly),
        EditorView.contentAttributes.of({
          tabindex: "0",
          ...(labelledBy ? { "aria-labelledby": labelledBy } : {}),
          ...(readOnly ? { "aria-readonly": "true" } : {}),
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        }),
        theme,
      ],
    }),
  });
  for (const sibling of textarea.parentElement.children) if (sibling !== view.dom) sibling.hidden = true;
  editors.set(textarea, view);
}

/** Shows the dry run's diagnostics: underlined, in the lint gutter, errors' line numbers marked. */
export function setDiagnostics(textarea, diagnostics) {
  const view = editors.get(textarea);
  if (!view) return;
  const { doc } = view.state;
  const lint = diagnostics.map((diagnostic) => toLint(doc, diagnostic));
  const lines = diagnostics
    .filter((diagnostic) => diagnostic.severity === "error")
    .map((diagnostic) => doc.lineAt(position(doc, diagnostic.line, 1)).from)
    .sort((a, b) => a - b)
    .map((from) => errorLineMarker.range(from));
  view.dispatch(lintDiagnostics(view.state, lint));
  view.dispatch({ effects: setErrorLines.of(RangeSet.of(lines, true)) });
}

/** Puts the cursor at a 1-based line and column and focuses the editor. */
export function jump(textarea, line, column) {
  const view = editors.get(textarea);
  if (!view) return;
  view.dispatch({ selection: { anchor: position(view.state.doc, line, column) }, scrollIntoView: true });
  view.focus();
}

/** The textarea left the page: its editor goes too. */
export function forget(textarea) {
  editors.get(textarea)?.destroy();
  editors.delete(textarea);
}
