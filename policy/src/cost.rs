//! The worst-case cost of an expression, known before a policy is published.
//!
//! As in Kubernetes' CEL cost estimation, every value gets a size bound from
//! the declared bounds of the inputs it comes from (`max_items`,
//! `max_length`, or their defaults) and every operation a cost from the
//! sizes of its operands: a comprehension costs the size bound of its range
//! times the cost of its body, string work costs in proportion to the length
//! bound. One unit is roughly one step of the `cel` interpreter (tens to a
//! hundred nanoseconds), so [`MAX_RULE_COST`] keeps the slowest admitted rule
//! at its bounds within a few milliseconds.
//!
//! The estimate is an upper bound: sizes only ever grow through an
//! operation (an element is assumed as large as its container), so a rule
//! admitted here cannot run past [`crate::budget`] on inputs within bounds.

use cel::common::ast::{ComprehensionExpr, EntryExpr, Expr as Ast, LiteralValue};
use cel::IdedExpr;

use crate::model::{InputSpec, InputType};
use crate::shape::append_step;

/// The most a rule's condition may cost at its inputs' bounds.
pub const MAX_RULE_COST: u64 = 100_000;
/// The most all of a policy's rules together may cost: one evaluation runs
/// every rule (under `strictest`).
pub const MAX_POLICY_COST: u64 = 1_000_000;
/// `max_items` of a list or object input that declares none.
pub const DEFAULT_MAX_ITEMS: u64 = 256;
/// `max_length` of an input that declares none.
pub const DEFAULT_MAX_LENGTH: u64 = 4096;
/// Lint warns about a rule costing more than this share of the limit.
pub(crate) const WARN_COST: u64 = MAX_RULE_COST / 2;
/// Characters scanned one by one (counted, matched, searched) per unit.
const CHARS_PER_UNIT: u64 = 100;
/// Bytes copied or compared in bulk per unit (`memcpy` and `memcmp` speed).
const BYTES_PER_UNIT: u64 = 1000;

/// What the estimate found for one expression.
#[derive(Debug, Clone, Default)]
pub(crate) struct Estimate {
    pub(crate) cost: u64,
    /// The costliest comprehension, where a cost error is reported.
    pub(crate) hot_spot: Option<u64>,
    /// Inputs whose bounds the cost depends on (indices into the specs).
    pub(crate) inputs: Vec<usize>,
    /// Nested comprehensions over inputs without a declared `max_items`:
    /// (expression id, undeclared inputs).
    pub(crate) unbounded: Vec<(u64, Vec<usize>)>,
}

/// Upper bounds on a value: the longest list or map in it (itself
/// included), its longest string, and its total size in units.
#[derive(Debug, Clone, Default)]
struct Shape {
    items: u64,
    chars: u64,
    weight: u64,
    /// Inputs these bounds come from.
    from: Vec<usize>,
}

impl Shape {
    fn scalar() -> Shape {
        Shape {
            weight: 1,
            ..Shape::default()
        }
    }

    fn string(chars: u64) -> Shape {
        Shape {
            chars,
            weight: 1 + chars.div_ceil(BYTES_PER_UNIT),
            ..Shape::default()
        }
    }

    /// Large enough for any value: what an accumulator that grows in ways
    /// the estimate does not model may become.
    fn unbounded() -> Shape {
        Shape {
            items: u64::MAX,
            chars: u64::MAX,
            weight: u64::MAX,
            from: Vec::new(),
        }
    }

    fn input(spec: &InputSpec, index: usize) -> Shape {
        let chars = spec.max_length();
        match spec.input_type {
            InputType::String => Shape {
                from: vec![index],
                ..Shape::string(chars)
            },
            InputType::List | InputType::Object => {
                let items = spec.max_items();
                // Every item may be a string, with a key as long beside it.
                let text = mul(add(mul(2, items), 1), chars);
                Shape {
                    items,
                    chars,
                    weight: add(add(items, 1), text.div_ceil(BYTES_PER_UNIT)),
                    from: vec![index],
                }
            }
            InputType::Number | InputType::Integer | InputType::Boolean => Shape {
                from: vec![index],
                ..Shape::scalar()
            },
        }
    }

    /// Bounds holding for either value.
    fn join(mut self, other: &Shape) -> Shape {
        self.items = self.items.max(other.items);
        self.chars = self.chars.max(other.chars);
        self.weight = self.weight.max(other.weight);
        union(&mut self.from, &other.from);
        self
    }

    /// Bounds of `a + b`: concatenated strings or lists, or a number.
    fn concat(&self, other: &Shape) -> Shape {
        let mut from = self.from.clone();
        union(&mut from, &other.from);
        Shape {
            items: add(self.items, other.items),
            chars: add(self.chars, other.chars),
            weight: add(self.weight, other.weight),
            from,
        }
    }

    /// Whether every bound of `self` is within `other`'s.
    fn within(&self, other: &Shape) -> bool {
        self.items <= other.items && self.chars <= other.chars && self.weight <= other.weight
    }

    fn text_units(&self) -> u64 {
        self.chars.div_ceil(CHARS_PER_UNIT)
    }
}

fn add(a: u64, b: u64) -> u64 {
    a.saturating_add(b)
}

fn mul(a: u64, b: u64) -> u64 {
    a.saturating_mul(b)
}

fn union(into: &mut Vec<usize>, more: &[usize]) {
    for index in more {
        if !into.contains(index) {
            into.push(*index);
        }
    }
}

/// Estimates `expr` against the declared inputs.
pub(crate) fn estimate(expr: &IdedExpr, specs: &[InputSpec]) -> Estimate {
    let mut estimator = Estimator {
        specs,
        scope: Vec::new(),
        loops: Vec::new(),
        hottest: None,
        unbounded: Vec::new(),
        inputs: Vec::new(),
    };
    let (cost, _) = estimator.visit(expr);
    let mut inputs = estimator.inputs;
    inputs.sort_unstable();
    Estimate {
        cost,
        hot_spot: estimator.hottest.map(|(_, id)| id),
        inputs,
        unbounded: estimator.unbounded,
    }
}

struct Estimator<'s> {
    specs: &'s [InputSpec],
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(String, Shape)>,
    /// The inputs each enclosing comprehension iterates over.
    loops: Vec<Vec<usize>>,
    hottest: Option<(u64, u64)>,
    unbounded: Vec<(u64, Vec<usize>)>,
    inputs: Vec<usize>,
}

impl Estimator<'_> {
    fn visit(&mut self, expr: &IdedExpr) -> (u64, Shape) {
        match &expr.expr {
            Ast::Literal(literal) => (1, literal_shape(literal)),
            Ast::Ident(name) => (1, self.lookup(name)),
            // A field of a value is no larger than the value.
            Ast::Select(select) => {
                let (cost, shape) = self.visit(&select.operand);
                let shape = if select.test { Shape::scalar() } else { shape };
                (add(cost, 1), shape)
            }
            Ast::Call(call) => {
                let operands: Vec<&IdedExpr> = call
                    .target
                    .as_deref()
                    .into_iter()
                    .chain(call.args.iter())
                    .collect();
                self.call(&call.func_name, &operands)
            }
            Ast::List(list) => self.collection(list.elements.iter()),
            Ast::Map(map) => {
                self.collection(map.entries.iter().flat_map(|entry| match &entry.expr {
                    EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                    EntryExpr::StructField(f) => vec![&f.value],
                }))
            }
            Ast::Struct(st) => {
                self.collection(st.entries.iter().filter_map(|entry| match &entry.expr {
                    EntryExpr::StructField(f) => Some(&f.value),
                    EntryExpr::MapEntry(_) => None,
                }))
            }
            Ast::Comprehension(comprehension) => self.comprehension(expr.id, comprehension),
            Ast::Unspecified => (1, Shape::scalar()),
        }
    }

    fn lookup(&mut self, name: &str) -> Shape {
        if let Some((_, shape)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return shape.clone();
        }
        match self.specs.iter().position(|spec| spec.name == name) {
            Some(index) => {
                union(&mut self.inputs, &[index]);
                Shape::input(&self.specs[index], index)
            }
            // Type names such as `int` in `type(x) == int`.
            None => Shape::scalar(),
        }
    }

    fn collection<'e>(&mut self, parts: impl Iterator<Item = &'e IdedExpr>) -> (u64, Shape) {
        let (mut cost, mut shape, mut count) = (1, Shape::default(), 0u64);
        for part in parts {
            let (c, s) = self.visit(part);
            cost = add(cost, c);
            let weight = add(shape.weight, s.weight);
            shape = shape.join(&s);
            shape.weight = weight;
            count += 1;
        }
        shape.items = shape.items.max(count);
        shape.weight = add(shape.weight, 1);
        (cost, shape)
    }

    fn call(&mut self, name: &str, operands: &[&IdedExpr]) -> (u64, Shape) {
        let visited: Vec<(u64, Shape)> = operands.iter().map(|e| self.visit(e)).collect();
        let sum = visited.iter().fold(1, |total, (c, _)| add(total, *c));
        let shape = |i: usize| visited.get(i).map(|(_, s)| s.clone()).unwrap_or_default();
        let (a, b) = (shape(0), shape(1));
        match (name, visited.len()) {
            ("_?_:_", 3) => {
                let branch = visited[1].0.max(visited[2].0);
                (add(add(visited[0].0, branch), 1), b.join(&shape(2)))
            }
            ("_==_" | "_!=_", 2) => (add(sum, a.weight.min(b.weight)), Shape::scalar()),
            ("_<_" | "_<=_" | "_>_" | "_>=_", 2) => (
                add(sum, a.text_units().min(b.text_units())),
                Shape::scalar(),
            ),
            // Both operands are copied into the result.
            ("_+_", 2) => (add(add(sum, a.weight), b.weight), a.concat(&b)),
            (
                "_&&_"
                | "_||_"
                | "!_"
                | "-_"
                | "@not_strictly_false"
                | "_-_"
                | "_*_"
                | "_/_"
                | "_%_",
                _,
            ) => (sum, Shape::scalar()),
            // An element of a value is no larger than the value; a map
            // lookup hashes the key.
            ("_[_]" | "_[?_]" | "_?._", 2) => (add(sum, b.text_units()), a),
            // A scan of the list comparing each element (no comparison
            // outweighs the element it compares with), or a hashed lookup.
            ("@in", 2) => {
                let scan = mul(b.items, add(1, a.weight)).min(add(b.items, b.weight));
                (add(add(sum, a.text_units()), scan), Shape::scalar())
            }
            // Counting characters walks the string.
            ("size", 1) => (add(sum, a.text_units()), Shape::scalar()),
            ("contains" | "startsWith" | "endsWith", 2) => (
                add(sum, add(a.text_units(), b.text_units())),
                Shape::scalar(),
            ),
            // The pattern is compiled on every call, then run over the text.
            ("matches", 2) => {
                let compile = mul(10, add(1, b.chars));
                let scan = mul(add(1, a.text_units()), add(1, b.chars / 8));
                (add(sum, add(compile, scan)), Shape::scalar())
            }
            ("string" | "bytes", 1) => (add(sum, a.weight), Shape::string(a.chars.max(32))),
            ("int" | "uint" | "double" | "bool" | "timestamp" | "duration" | "type", 1) => {
                (add(sum, a.text_units()), Shape::scalar())
            }
            // Anything else (`dyn`, the optional functions, time accessors)
            // at most copies its operands.
            _ => {
                let weights = visited.iter().fold(0, |total, (_, s)| add(total, s.weight));
                let joined = visited
                    .iter()
                    .fold(Shape::scalar(), |joined, (_, s)| joined.join(s));
                (add(sum, weights), joined)
            }
        }
    }

    fn comprehension(&mut self, id: u64, c: &ComprehensionExpr) -> (u64, Shape) {
        let (range_cost, range) = self.visit(&c.iter_range);
        let (init_cost, init) = self.visit(&c.accu_init);
        // `optMap` binds a variable with a comprehension over no elements.
        let binds = matches!(&c.iter_range.expr, Ast::List(l) if l.elements.is_empty());
        let iterations = if binds { 0 } else { range.items };
        if !binds {
            self.check_nesting(id, &range.from);
        }
        self.loops.push(if binds {
            Vec::new()
        } else {
            range.from.clone()
        });
        let depth = self.scope.len();
        // An element may hold as many items and as long a string as the
        // whole range, which bounds nested loops over it. Its weight is
        // charged at the range's average: weights only ever enter a cost
        // linearly (copies, comparisons, scans), and summed over every
        // iteration the elements weigh no more than the range.
        let element = Shape {
            weight: range.weight.div_ceil(iterations.max(1)).max(1),
            ..range.clone()
        };
        self.scope.push((c.iter_var.clone(), element.clone()));
        if let Some(second) = &c.iter_var2 {
            self.scope.push((second.clone(), element));
        }
        let (per_step, accu) = if binds {
            (0, init)
        } else if let Some((guard, item)) = append_step(c) {
            // `map` and `filter` append to one list in place.
            let (guard_cost, _) = guard.map_or((0, Shape::default()), |g| self.visit(g));
            let (item_cost, item) = self.visit(item);
            let mut built = Shape {
                items: iterations.max(item.items),
                chars: item.chars,
                weight: add(1, mul(iterations, item.weight)),
                from: range.from.clone(),
            };
            union(&mut built.from, &item.from);
            (add(add(3, guard_cost), item_cost), built)
        } else {
            self.scope.push((c.accu_var.clone(), init.clone()));
            let (cond_cost, _) = self.visit(&c.loop_cond);
            let (step_cost, step) = self.visit(&c.loop_step);
            self.scope.pop();
            // `all`, `exists` and `exists_one` fold into a boolean or a
            // count; an accumulator that grows is not bounded here.
            let accu = if step.within(&init) {
                init
            } else {
                Shape::unbounded()
            };
            (add(add(1, cond_cost), step_cost), accu)
        };
        self.scope.push((c.accu_var.clone(), accu));
        let (result_cost, result) = self.visit(&c.result);
        self.scope.truncate(depth);
        self.loops.pop();
        // Each element is copied into the loop variable once.
        let copies = if binds { 0 } else { range.weight };
        let cost = [
            range_cost,
            init_cost,
            copies,
            mul(iterations, per_step),
            result_cost,
            1,
        ]
        .into_iter()
        .fold(0, add);
        if !binds && self.hottest.is_none_or(|(hottest, _)| cost > hottest) {
            self.hottest = Some((cost, id));
        }
        (cost, result)
    }

    /// A comprehension inside another multiplies their sizes: both must
    /// iterate over inputs with a declared `max_items`, not the default.
    fn check_nesting(&mut self, id: u64, range_inputs: &[usize]) {
        let enclosing: Vec<usize> = self.loops.iter().flatten().copied().collect();
        if range_inputs.is_empty() || enclosing.is_empty() {
            return;
        }
        let mut involved = enclosing;
        union(&mut involved, range_inputs);
        let undeclared: Vec<usize> = involved
            .into_iter()
            .filter(|&index| {
                let spec = &self.specs[index];
                matches!(spec.input_type, InputType::List | InputType::Object)
                    && spec.max_items.is_none()
            })
            .collect();
        if !undeclared.is_empty() {
            self.unbounded.push((id, undeclared));
        }
    }
}

fn literal_shape(literal: &LiteralValue) -> Shape {
    match literal {
        LiteralValue::String(s) => Shape::string(s.inner().chars().count() as u64),
        LiteralValue::Bytes(b) => Shape::string(b.inner().len() as u64),
        _ => Shape::scalar(),
    }
}
