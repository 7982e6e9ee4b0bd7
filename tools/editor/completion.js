// Completion for Verdict policies (docs/policy-language.md): the keys each part of a policy
// allows, the values of keys that take one of a few words, the approval routes the server
// knows, and everywhere else the inputs the policy declares (for `when:` conditions, rationale
// templates and the inputs of tests). It reads the text line by line, as people indent YAML.
import { insertCompletionText, startCompletion } from "@codemirror/autocomplete";

const OUTCOMES = ["allow", "deny", "requires_exception"];
const BOOLEANS = ["true", "false"];

/** The keys allowed in each part of a policy, as the parser (policy/src/parse) lists them. */
const KEYS = {
  policy: ["policy", "description", "owner", "scope", "inputs", "combine", "default", "requires_action", "rules", "tests"],
  scope: ["intents", "products"],
  input: ["type", "required", "enum", "description", "unit", "max_items", "max_length"],
  rule: ["name", "description", "when", "outcome", "approval_route", "rationale"],
  test: ["name", "description", "inputs", "expect", "expect_rules"],
  condition: ["all", "any", "not"],
};

/** Keys whose value is one of a few words. */
const VALUES = {
  outcome: OUTCOMES,
  default: OUTCOMES,
  expect: OUTCOMES,
  combine: ["strictest", "first_match"],
  type: ["string", "number", "integer", "boolean", "list", "object"],
  required: BOOLEANS,
  requires_action: BOOLEANS,
};

/** Keys whose value is free text or a name of its own, where nothing is offered. */
const FREE_TEXT = new Set(["policy", "description", "owner", "name", "intents", "products", "max_items", "max_length"]);

/** A line that holds a key: its indentation (list dashes included) and the key. */
const KEY_LINE = /^(\s*(?:-\s+)*)([A-Za-z_][\w.-]*)\s*:(?:\s|$)/;

function keyOf(text) {
  const match = KEY_LINE.exec(text);
  return match && { column: match[1].length, key: match[2] };
}

/** The keys of the mappings enclosing a key at `column` on line `number`, innermost first. */
function parents(doc, number, column) {
  const found = [];
  for (let n = number - 1; n >= 1 && column > 0; n--) {
    const key = keyOf(doc.line(n).text);
    if (key && key.column < column) {
      found.push(key);
      column = key.column;
    }
  }
  return found.map((key) => key.key);
}

/** What a key at `column` on line `number` may be: a list of words, or null. */
function keysAt(doc, number, column, inputs) {
  const [parent, grandparent, ...rest] = parents(doc, number, column);
  if (parent === undefined) return KEYS.policy;
  if (parent === "rules") return KEYS.rule;
  if (parent === "tests") return KEYS.test;
  if (parent === "scope") return KEYS.scope;
  if (["when", "all", "any", "not"].includes(parent)) return [...KEYS.condition, ...inputs];
  if (parent === "inputs") return grandparent === undefined ? null : inputs; // declaring, or a test's
  if (grandparent === "inputs" && rest.length === 0) return KEYS.input;
  return null;
}

/** The lines under the top-level key `top`, blank lines and comments left out. */
function* section(doc, top) {
  let inside = false;
  for (let n = 1; n <= doc.lines; n++) {
    const text = doc.line(n).text;
    if (/^\s*(#.*)?$/.test(text)) continue;
    if (/^\S/.test(text)) inside = new RegExp(`^${top}\\s*:\\s*(#.*)?$`).test(text);
    else if (inside) yield text;
  }
}

/** The names declared under the top-level `inputs:`. */
function declaredInputs(doc) {
  const keys = [...section(doc, "inputs")].map(keyOf).filter(Boolean);
  return keys.filter((key) => key.column === keys[0].column).map((key) => key.key);
}

/** The names of the rules, for a test's `expect_rules`. */
function declaredRules(doc) {
  return [...section(doc, "rules")].map((text) => /^\s*-\s+name\s*:\s*([\w.-]+)/.exec(text)?.[1]).filter(Boolean);
}

const option = (type) => (label) => ({ label, type });

/** Writes `key: ` and, when the key takes one of a few words, offers them at once. */
function applyKey(view, completion, from, to) {
  const key = completion.label;
  view.dispatch(insertCompletionText(view.state, `${key}: `, from, to));
  if (Object.hasOwn(VALUES, key) || key === "approval_route") startCompletion(view);
}

/** The completion source, with the approval routes the server knows. */
export function policyCompletions(routes) {
  return (context) => {
    const word = context.matchBefore(/[\w.-]*/);
    if (!context.explicit && word.from === word.to) return null;
    if (/^\d/.test(word.text)) return null;
    const { doc } = context.state;
    const line = doc.lineAt(context.pos);
    const before = line.text.slice(0, word.from - line.from);
    if (/#/.test(before.replace(/"[^"]*"|'[^']*'/g, ""))) return null; // in a comment
    const inputs = declaredInputs(doc);
    let options;
    const keyPosition = /^(\s*(?:-\s+)*)$/.exec(before);
    if (keyPosition) {
      const keys = keysAt(doc, line.number, keyPosition[1].length, inputs) ?? [];
      options = keys.map((key) => (inputs.includes(key) && !KEYS.condition.includes(key)
        ? { label: key, type: "variable" }
        : { label: key, type: "property", apply: applyKey }));
    } else {
      const valueOf = /^\s*(?:-\s+)*([A-Za-z_][\w.-]*)\s*:\s+(.*)$/.exec(before);
      const key = valueOf?.[1];
      const atStart = valueOf && valueOf[2].trim() === "";
      if (key === "approval_route" && atStart) options = routes.map(option("constant"));
      else if (Object.hasOwn(VALUES, key ?? "") && atStart) options = VALUES[key].map(option("keyword"));
      else if (key === "expect_rules") options = declaredRules(doc).map(option("constant"));
      else if (FREE_TEXT.has(key)) options = [];
      else options = inputs.map(option("variable"));
    }
    return options.length ? { from: word.from, options, validFor: /^[\w.-]*$/ } : null;
  };
}
