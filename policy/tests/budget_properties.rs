//! Property: every random policy admitted by validation evaluates within the
//! step budget on inputs at its declared bounds. (Policies refused by the
//! cost limit are simply not run: refusing is always allowed.)

use proptest::prelude::*;
use serde_json::{json, Value};
use verdict_policy::{ErrorKind, Policy};

#[derive(Debug, Clone)]
enum Range {
    L,
    M,
    Concat,
    Doubled,
    Literal,
}

#[derive(Debug, Clone)]
enum Num {
    N,
    Var,
    Plus,
    SizeOfS,
}

#[derive(Debug, Clone)]
enum Cond {
    Less(Num, i64),
    Contains,
    In(Num, Range),
    All(Range, Box<Cond>),
    Exists(Range, Box<Cond>),
    ExistsOne(Range, Box<Cond>),
    Filtered(Range, Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

fn range(r: &Range, depth: usize) -> String {
    match r {
        Range::L => "l".into(),
        Range::M => "m".into(),
        Range::Concat => "(l + m)".into(),
        Range::Doubled => format!("l.map(w{depth}, w{depth} * 2)"),
        Range::Literal => "[1, 2, 3]".into(),
    }
}

fn num(n: &Num, depth: usize) -> String {
    let var = if depth == 0 {
        "n".to_string()
    } else {
        format!("v{}", depth - 1)
    };
    match n {
        Num::N => "n".into(),
        Num::Var => var,
        Num::Plus => format!("({var} + n)"),
        Num::SizeOfS => "size(s)".into(),
    }
}

fn render(c: &Cond, depth: usize) -> String {
    let var = format!("v{depth}");
    let body = |inner: &Cond| render(inner, depth + 1);
    match c {
        Cond::Less(n, k) => format!("{} < {k}", num(n, depth)),
        Cond::Contains => "s.contains('ab')".into(),
        Cond::In(n, r) => format!("{} in {}", num(n, depth), range(r, depth)),
        Cond::All(r, inner) => format!("{}.all({var}, {})", range(r, depth), body(inner)),
        Cond::Exists(r, inner) => format!("{}.exists({var}, {})", range(r, depth), body(inner)),
        Cond::ExistsOne(r, inner) => {
            format!("{}.exists_one({var}, {})", range(r, depth), body(inner))
        }
        Cond::Filtered(r, inner) => format!(
            "{}.filter({var}, {}).size() > 0",
            range(r, depth),
            body(inner)
        ),
        Cond::And(a, b) => format!("({} && {})", render(a, depth), render(b, depth)),
        Cond::Or(a, b) => format!("({} || {})", render(a, depth), render(b, depth)),
        Cond::Not(a) => format!("!({})", render(a, depth)),
    }
}

fn ranges() -> impl Strategy<Value = Range> {
    prop_oneof![
        Just(Range::L),
        Just(Range::M),
        Just(Range::Concat),
        Just(Range::Doubled),
        Just(Range::Literal),
    ]
}

fn nums() -> impl Strategy<Value = Num> {
    prop_oneof![
        Just(Num::N),
        Just(Num::Var),
        Just(Num::Plus),
        Just(Num::SizeOfS)
    ]
}

fn conditions() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (nums(), -5i64..50).prop_map(|(n, k)| Cond::Less(n, k)),
        Just(Cond::Contains),
        (nums(), ranges()).prop_map(|(n, r)| Cond::In(n, r)),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (ranges(), inner.clone()).prop_map(|(r, c)| Cond::All(r, Box::new(c))),
            (ranges(), inner.clone()).prop_map(|(r, c)| Cond::Exists(r, Box::new(c))),
            (ranges(), inner.clone()).prop_map(|(r, c)| Cond::ExistsOne(r, Box::new(c))),
            (ranges(), inner.clone()).prop_map(|(r, c)| Cond::Filtered(r, Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Cond::Not(Box::new(a))),
        ]
    })
}

fn numbers(n: u64) -> Value {
    Value::from((0..n as i64).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn admitted_policies_finish_within_the_step_budget(
        conditions in prop::collection::vec(conditions(), 1..4),
        l_items in 1u64..60,
        m_items in 1u64..60,
        s_length in 1u64..200,
    ) {
        let mut source = format!(
            "policy: random\ninputs:\n  l: {{ type: list, max_items: {l_items}, max_length: 4 }}\n  \
             m: {{ type: list, max_items: {m_items}, max_length: 4 }}\n  \
             s: {{ type: string, max_length: {s_length} }}\n  n: {{ type: integer }}\n\
             default: allow\nrules:\n"
        );
        for (i, condition) in conditions.iter().enumerate() {
            source.push_str(&format!(
                "  - {{ name: r{i}, when: {}, outcome: deny }}\n",
                json!(render(condition, 0))
            ));
        }
        let Ok(policy) = Policy::parse(&source) else {
            return Ok(());
        };
        let inputs = json!({
            "l": numbers(l_items),
            "m": numbers(m_items),
            "s": "ab".repeat(s_length as usize).chars().take(s_length as usize).collect::<String>(),
            "n": 1,
        });
        let evaluation = policy.evaluate(&inputs);
        let kind = evaluation.error.as_ref().map(|e| e.kind);
        prop_assert_ne!(kind, Some(ErrorKind::BudgetExhausted), "{}", source);
        prop_assert_ne!(kind, Some(ErrorKind::InputTooLarge), "{}", source);
    }
}
