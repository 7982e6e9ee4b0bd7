#[test]
fn scratch() {
    for (inputs, when) in [("l: { type: list, max_items: 1000 }", "l.map(x, x * 2).filter(y, y % 3 == 0).map(z, z + 1).exists(w, w == 1999)"),
        ("l: { type: list, max_items: 12 }", "l.all(x, l.all(y, l.all(z, x + y + z > -1)))"),
        ("l: { type: list, max_items: 20 }", "l.all(x, l.all(y, l.all(z, x + y + z > -1)))"),
        ("l: { type: list, max_items: 300 }", "l.all(x, l.all(y, x + y > -1))"),
        ("l: { type: list, max_items: 70 }", "l.all(x, l.exists(y, x == y))"),
        ("l: { type: list, max_items: 50 }", "l.all(x, l.exists(y, x == y + 3))"),
        ("l: { type: list }", "l.exists(x, x == 7)"),
        ("l: { type: list }", "l.all(x, ['a','b'].exists(y, x == y))"),
        ("s: { type: string }", "s.matches('^[a-z]+$')"),
        ("s: { type: string }\n  p: { type: string }", "s.matches(p)"),
    ] {
        let src = format!("policy: p\ninputs:\n  {inputs}\nrules:\n  - name: r\n    when: {}\n    outcome: deny\n", serde_json::json!(when));
        match verdict_policy::Policy::parse(&src) { Ok(p) => eprintln!("{inputs} {when}: {}", p.rules()[0].worst_case_cost()), Err(d) => eprintln!("{inputs} {when}: {}", d[0].message) }
    }
}
