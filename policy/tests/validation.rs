//! Every validation error, with the line and column it is reported at.

use verdict_policy::{Code, Diagnostic, Policy, Severity};

fn diagnostics(source: &str) -> Vec<Diagnostic> {
    match Policy::parse(source) {
        Ok(_) => panic!("expected errors for:\n{source}"),
        Err(d) => d,
    }
}

/// The single error `source` has, as (line, column, code).
fn error(source: &str) -> (u32, u32, Code) {
    let d = diagnostics(source);
    assert_eq!(d.len(), 1, "expected one error, got {d:#?}");
    assert_eq!(d[0].severity, Severity::Error);
    (d[0].line, d[0].column, d[0].code)
}

fn message(source: &str) -> String {
    diagnostics(source)
        .into_iter()
        .map(|d| d.message)
        .collect::<Vec<_>>()
        .join("\n")
}

const RULES: &str = "rules:\n  - { name: r, when: 'true', outcome: allow }\n";

#[test]
fn yaml_syntax_error() {
    let src = "policy: p\nrules:\n  - name: r\n    when: [unclosed\n    outcome: allow\n";
    let (line, column, code) = error(src);
    assert_eq!(code, Code::YamlSyntax);
    assert_eq!((line, column), (5, 12));
    let src = "policy: p\n  bad indent: x\n";
    assert_eq!(error(src).2, Code::YamlSyntax);
}

#[test]
fn empty_and_non_mapping_documents() {
    assert_eq!(error(""), (1, 1, Code::MissingKey));
    assert_eq!(error("- a\n- b\n"), (1, 1, Code::WrongType));
}

#[test]
fn more_than_one_document() {
    let src = format!("policy: p\n{RULES}---\npolicy: q\n");
    assert_eq!(error(&src), (4, 1, Code::YamlSyntax));
}

#[test]
fn aliases_are_rejected() {
    let src = "policy: &id p\nowner: *id\nrules: []\n";
    assert_eq!(error(src), (2, 8, Code::YamlSyntax));
}

#[test]
fn duplicate_keys() {
    let src = format!("policy: p\nowner: a\nowner: b\n{RULES}");
    assert_eq!(error(&src), (3, 1, Code::DuplicateKey));
    assert!(message(&src).contains("first at line 2"));
}

#[test]
fn unknown_top_level_key() {
    let src = format!("policy: p\nrulez: []\n{RULES}");
    assert_eq!(error(&src), (2, 1, Code::UnknownKey));
    assert!(message(&src).contains("`rulez`"));
}

#[test]
fn unknown_key_in_an_input() {
    let src = format!("policy: p\ninputs:\n  x: {{ type: string, requird: true }}\n{RULES}");
    assert_eq!(error(&src), (3, 22, Code::UnknownKey));
}

#[test]
fn unknown_key_in_a_rule() {
    let src =
        "policy: p\nrules:\n  - name: r\n    when: 'true'\n    outcome: allow\n    route: x\n";
    assert_eq!(error(src), (6, 5, Code::UnknownKey));
}

#[test]
fn unknown_key_in_a_test() {
    let src =
        format!("policy: p\n{RULES}tests:\n  - name: t\n    expect: allow\n    expected: deny\n");
    assert_eq!(error(&src), (7, 5, Code::UnknownKey));
}

#[test]
fn unknown_key_in_scope_and_conditions() {
    let src = format!("policy: p\nscope:\n  intent: [a]\n{RULES}");
    assert_eq!(error(&src), (3, 3, Code::UnknownKey));
    let src = "policy: p\nrules:\n  - name: r\n    when: { every: ['true'] }\n    outcome: allow\n";
    let d = diagnostics(src);
    assert_eq!(
        (d[0].line, d[0].column, d[0].code),
        (4, 13, Code::UnknownKey)
    );
}

#[test]
fn missing_required_keys() {
    assert_eq!(error(RULES), (1, 1, Code::MissingKey));
    assert!(message(RULES).contains("`policy`"));
    assert_eq!(error("policy: p\n"), (1, 1, Code::MissingKey));
    assert!(message("policy: p\n").contains("`rules`"));
    let src = "policy: p\nrules:\n  - name: r\n    outcome: allow\n";
    assert_eq!(error(src), (3, 5, Code::MissingKey));
    assert!(message(src).contains("`when`"));
    let src = format!("policy: p\ninputs:\n  x: {{ required: true }}\n{RULES}");
    assert_eq!(error(&src), (3, 6, Code::MissingKey));
    let src = format!("policy: p\n{RULES}tests:\n  - name: t\n");
    assert_eq!(error(&src), (5, 5, Code::MissingKey));
}

#[test]
fn empty_rules() {
    assert_eq!(error("policy: p\nrules: []\n"), (2, 8, Code::MissingKey));
}

#[test]
fn bad_policy_id() {
    let src = format!("policy: Discount Cap\n{RULES}");
    assert_eq!(error(&src), (1, 9, Code::InvalidId));
    assert!(message(&src).contains("a-z 0-9 _ . -"));
}

#[test]
fn bad_rule_name() {
    let src = "policy: p\nrules:\n  - { name: Bad Name, when: 'true', outcome: allow }\n";
    assert_eq!(error(src), (3, 13, Code::InvalidId));
}

#[test]
fn bad_input_name() {
    let src = format!("policy: p\ninputs:\n  not-ident: {{ type: string }}\n{RULES}");
    assert_eq!(error(&src), (3, 3, Code::InvalidId));
    let src = format!("policy: p\ninputs:\n  in: {{ type: string }}\n{RULES}");
    assert_eq!(error(&src), (3, 3, Code::InvalidId));
}

#[test]
fn expression_syntax_error_points_inside_the_expression() {
    // `when: "amount >> 1"`: the second `>` is column 22 of the file.
    let src = "policy: p\ninputs:\n  amount: { type: number }\nrules:\n  - name: r\n    when: \"amount >> 1\"\n    outcome: allow\n";
    let (line, column, code) = error(src);
    assert_eq!(code, Code::InvalidExpression);
    assert_eq!((line, column), (6, 20));
    // Unquoted, and at the end of the expression.
    let src = src.replace("\"amount >> 1\"", "amount >");
    assert_eq!(error(&src), (6, 19, Code::InvalidExpression));
}

#[test]
fn expression_errors_in_block_scalars() {
    let src = "policy: p\ninputs:\n  a: { type: integer }\nrules:\n  - name: r\n    when: |\n      a > 1 &&\n        a <\n    outcome: allow\n";
    // End of input: shown just after the last character.
    assert_eq!(error(src), (8, 12, Code::InvalidExpression));
    let src = src.replace("a <\n", "a < < 2\n");
    assert_eq!(error(&src), (8, 13, Code::InvalidExpression));
    // Folded scalars cannot be mapped column by column: the error is at the
    // scalar and the message says where in the expression.
    let folded = src.replace("when: |", "when: >");
    let d = diagnostics(&folded);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column), (7, 7));
    assert!(d[0].message.contains("of the text"), "{}", d[0].message);
}

#[test]
fn undeclared_identifiers_are_errors_at_their_position() {
    let src = "policy: p\ninputs:\n  amount: { type: number }\nrules:\n  - name: r\n    when: amount > limit\n    outcome: allow\n";
    assert_eq!(error(src), (6, 20, Code::UndeclaredInput));
    assert!(message(src).contains("`limit`"));
    // Member selection: only the root must be declared.
    let src = src.replace("amount > limit", "amount > account.limit");
    assert_eq!(error(&src), (6, 20, Code::UndeclaredInput));
    // Inside all/any/not, in a quoted string with escapes.
    let src = "policy: p\ninputs:\n  a: { type: string }\nrules:\n  - name: r\n    when:\n      not: { any: [\"a == 'x'\", 'a == ''y'' || zed'] }\n    outcome: allow\n";
    assert_eq!(error(src), (7, 47, Code::UndeclaredInput));
}

#[test]
fn builtins_and_comprehension_variables_are_not_inputs() {
    let src = r#"
policy: p
inputs:
  tags: { type: list, max_items: 20 }
  name: { type: string }
  o: { type: object }
rules:
  - name: r
    when: >-
      size(tags) > 0 && tags.exists(t, t.startsWith('a')) && tags.all(x, x in tags)
      && name.matches('^[a-z]+$') && has(o.f) && type(name) == string
      && tags.map(m, m + 'x').filter(y, y != '').size() > 0
    outcome: allow
"#;
    assert!(Policy::parse(src).is_ok(), "{:?}", Policy::parse(src).err());
}

#[test]
fn duplicate_rule_names() {
    let src = "policy: p\nrules:\n  - { name: r, when: 'true', outcome: allow }\n  - { name: r, when: 'false', outcome: deny }\n";
    assert_eq!(error(src), (4, 13, Code::DuplicateRule));
    assert!(message(src).contains("first defined at line 3"));
}

#[test]
fn unknown_outcomes() {
    let src = "policy: p\nrules:\n  - { name: r, when: 'true', outcome: permit }\n";
    assert_eq!(error(src), (3, 39, Code::UnknownOutcome));
    let src = format!("policy: p\ndefault: maybe\n{RULES}");
    assert_eq!(error(&src), (2, 10, Code::UnknownOutcome));
}

#[test]
fn unknown_input_type() {
    let src = format!("policy: p\ninputs:\n  x: {{ type: float }}\n{RULES}");
    assert_eq!(error(&src), (3, 14, Code::UnknownInputType));
}

#[test]
fn enum_on_incompatible_types() {
    let src = format!("policy: p\ninputs:\n  x: {{ type: boolean, enum: [true] }}\n{RULES}");
    assert_eq!(error(&src), (3, 29, Code::InvalidEnum));
    let src = format!("policy: p\ninputs:\n  x: {{ type: object, enum: [a] }}\n{RULES}");
    assert_eq!(error(&src), (3, 28, Code::InvalidEnum));
    // Values must fit the type.
    let src = format!("policy: p\ninputs:\n  x: {{ type: integer, enum: [1, 2.5] }}\n{RULES}");
    assert_eq!(error(&src), (3, 33, Code::InvalidEnum));
    let src = format!("policy: p\ninputs:\n  x: {{ type: number, enum: [] }}\n{RULES}");
    assert_eq!(error(&src), (3, 28, Code::InvalidEnum));
}

#[test]
fn unknown_combine() {
    let src = format!("policy: p\ncombine: loosest\n{RULES}");
    assert_eq!(error(&src), (2, 10, Code::UnknownCombine));
}

#[test]
fn test_expectations_are_checked() {
    let src = format!("policy: p\n{RULES}tests:\n  - {{ name: t, expect: allowed }}\n");
    assert_eq!(error(&src), (5, 24, Code::UnknownOutcome));
    let src = format!(
        "policy: p\n{RULES}tests:\n  - {{ name: t, expect: allow, expect_rules: [r, nope] }}\n"
    );
    assert_eq!(error(&src), (5, 49, Code::UnknownTestRule));
    let src = format!("policy: p\n{RULES}tests:\n  - {{ name: t, expect: allow, inputs: [1] }}\n");
    assert_eq!(error(&src), (5, 39, Code::InvalidTestInputs));
}

#[test]
fn rationale_templates_are_checked() {
    let src = "policy: p\ninputs:\n  a: { type: number }\nrules:\n  - name: r\n    when: a > 1\n    outcome: allow\n    rationale: \"a is {{a}}, b is {{b}}\"\n";
    assert_eq!(error(src), (8, 34, Code::UndeclaredInput));
    let src = src.replace("{{b}}", "{{b");
    assert_eq!(error(&src), (8, 34, Code::InvalidTemplate));
}

#[test]
fn wrong_node_shapes() {
    assert_eq!(error("policy: p\nrules: r\n"), (2, 8, Code::WrongType));
    let src = "policy: p\nrules:\n  - { name: r, when: ['a'], outcome: allow }\n";
    assert_eq!(error(src), (3, 22, Code::WrongType));
    let src = format!("policy: p\ninputs:\n  x: {{ type: string, required: maybe }}\n{RULES}");
    assert_eq!(error(&src), (3, 32, Code::WrongType));
    let src = format!("policy: p\nowner: [a]\n{RULES}");
    assert_eq!(error(&src), (2, 8, Code::WrongType));
    let src = "policy: p\nrules:\n  - name: r\n    when: { all: ['true'], any: ['true'] }\n    outcome: allow\n";
    assert_eq!(error(src), (4, 11, Code::WrongType));
}

#[test]
fn every_error_is_reported_sorted_by_position() {
    let src = "policy: Bad\ncombine: nope\ninputs:\n  x: { type: text }\nrules:\n  - { name: r, when: 'y > 1', outcome: allow }\n  - { name: r, when: 'true', outcome: nah }\n";
    let found: Vec<(u32, u32, Code)> = diagnostics(src)
        .iter()
        .map(|d| (d.line, d.column, d.code))
        .collect();
    assert_eq!(
        found,
        [
            (1, 9, Code::InvalidId),
            (2, 10, Code::UnknownCombine),
            (4, 14, Code::UnknownInputType),
            (6, 23, Code::UndeclaredInput),
            (7, 13, Code::DuplicateRule),
            (7, 39, Code::UnknownOutcome),
        ]
    );
}

#[test]
fn diagnostics_serialize_in_snake_case() {
    let d = diagnostics("policy: p\nrules: r\n");
    let json = serde_json::to_value(&d[0]).unwrap();
    assert_eq!(json["severity"], "error");
    assert_eq!(json["code"], "wrong_type");
    let back: Diagnostic = serde_json::from_value(json).unwrap();
    assert_eq!(back, d[0]);
}

#[test]
fn requires_action_is_a_boolean_and_false_unless_stated() {
    let plain = Policy::parse(&format!("policy: p\n{RULES}")).expect("valid");
    assert!(!plain.requires_action());
    let bound =
        Policy::parse(&format!("policy: p\nrequires_action: true\n{RULES}")).expect("valid");
    assert!(bound.requires_action());
    let (line, column, code) = error(&format!("policy: p\nrequires_action: sometimes\n{RULES}"));
    assert_eq!((line, column, code), (2, 18, Code::WrongType));
}
