//! A YAML document tree that remembers where every node was written.
//!
//! Serde-based YAML crates only report positions for their first error, so
//! they cannot point at the third bad rule of a policy. This builds a small
//! tree from `saphyr-parser` events instead, keeping each node's span so
//! validation can report every problem with its own line and column.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diagnostic::{Code, Diagnostic};

/// Deeper documents are rejected rather than walked, which bounds recursion
/// in every later pass (a policy is a handful of levels deep).
const MAX_DEPTH: usize = 64;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: saturate(span.start.line()),
            column: saturate(span.start.col().saturating_add(1)),
        }
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) pos: Pos,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug)]
pub(crate) struct Scalar {
    pub(crate) text: String,
    pub(crate) style: ScalarStyle,
    /// The line the scalar's last character is on, to tell one-line scalars
    /// (whose text maps back to the source column by column) from others.
    pub(crate) end_line: u32,
    /// `!!str` and friends, written `tag:yaml.org,2002:str`.
    pub(crate) tag: Option<String>,
}

impl Scalar {
    /// Plain scalars are subject to YAML's type resolution; quoted and block
    /// scalars (and `!!str`) are always strings.
    pub(crate) fn is_plain(&self) -> bool {
        self.style == ScalarStyle::Plain && self.tag.is_none()
    }
}

impl Node {
    pub(crate) fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar(_) => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    pub(crate) fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses `source` as exactly one YAML document.
pub(crate) fn parse_document(source: &str) -> Result<Node, Diagnostic> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(source);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let marker = e.marker();
            Diagnostic::error(
                saturate(marker.line()),
                saturate(marker.col().saturating_add(1)),
                Code::YamlSyntax,
                format!("YAML syntax error: {}", e.info()),
            )
        })?;
        builder.push(event, span)?;
    }
    builder.finish()
}

#[derive(Default)]
struct Builder {
    /// Open collections, innermost last, with the key awaiting its value for
    /// mappings.
    open: Vec<Open>,
    done: Option<Node>,
    documents: usize,
}

struct Open {
    pos: Pos,
    items: Items,
}

enum Items {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

impl Builder {
    fn push(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        let pos = Pos::of(&span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Diagnostic::error(
                        pos.line,
                        pos.column,
                        Code::YamlSyntax,
                        "a policy file holds exactly one YAML document".to_string(),
                    ));
                }
            }
            Event::Alias(_) => {
                // Aliases could expand exponentially ("billion laughs") and a
                // policy has no need for them.
                return Err(Diagnostic::error(
                    pos.line,
                    pos.column,
                    Code::YamlSyntax,
                    "YAML aliases are not supported in policies".to_string(),
                ));
            }
            Event::Scalar(text, style, _, tag) => {
                let scalar = Scalar {
                    text: text.into_owned(),
                    style,
                    end_line: saturate(span.end.line()),
                    tag: tag.map(|t| t.to_string()),
                };
                self.add(Node {
                    kind: Kind::Scalar(scalar),
                    pos,
                })?;
            }
            Event::SequenceStart(..) => self.open(pos, Items::Seq(Vec::new()))?,
            Event::MappingStart(..) => self.open(pos, Items::Map(Vec::new(), None))?,
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.open.pop() {
                    let kind = match open.items {
                        Items::Seq(items) => Kind::Seq(items),
                        Items::Map(entries, _) => Kind::Map(entries),
                    };
                    self.add(Node {
                        kind,
                        pos: open.pos,
                    })?;
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn open(&mut self, pos: Pos, items: Items) -> Result<(), Diagnostic> {
        if self.open.len() >= MAX_DEPTH {
            return Err(Diagnostic::error(
                pos.line,
                pos.column,
                Code::YamlSyntax,
                format!("document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.open.push(Open { pos, items });
        Ok(())
    }

    fn add(&mut self, node: Node) -> Result<(), Diagnostic> {
        match self.open.last_mut() {
            None => self.done = Some(node),
            Some(Open {
                items: Items::Seq(items),
                ..
            }) => items.push(node),
            Some(Open {
                items: Items::Map(entries, pending),
                ..
            }) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let Some(dup) = duplicate_key(entries, &key) {
                        return Err(Diagnostic::error(
                            key.pos.line,
                            key.pos.column,
                            Code::DuplicateKey,
                            format!(
                                "duplicate key `{dup}` (first at line {})",
                                first_line_of(entries, dup)
                            ),
                        ));
                    }
                    entries.push((key, node));
                }
            },
        }
        Ok(())
    }

    fn finish(self) -> Result<Node, Diagnostic> {
        self.done.ok_or_else(|| {
            Diagnostic::error(
                1,
                1,
                Code::MissingKey,
                "empty document: expected a policy mapping".to_string(),
            )
        })
    }
}

fn duplicate_key<'a>(entries: &[(Node, Node)], key: &'a Node) -> Option<&'a str> {
    let text = &key.as_scalar()?.text;
    entries
        .iter()
        .any(|(k, _)| k.as_scalar().is_some_and(|s| &s.text == text))
        .then_some(text.as_str())
}

fn first_line_of(entries: &[(Node, Node)], key: &str) -> u32 {
    entries
        .iter()
        .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
        .map_or(0, |(k, _)| k.pos.line)
}

/// Where character `column` (1-based) of line `line` (1-based) of a scalar's
/// text was written in `source`, when that can be told exactly: one-line
/// plain and quoted scalars, and literal (`|`) blocks.
pub(crate) fn locate_in_scalar(
    source: &str,
    node: &Node,
    scalar: &Scalar,
    line: u32,
    column: u32,
) -> Option<Pos> {
    let source_line = |n: u32| source.lines().nth(usize::try_from(n).ok()?.checked_sub(1)?);
    match scalar.style {
        ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            if line != 1 || scalar.end_line != node.pos.line {
                return None;
            }
            let raw: Vec<char> = source_line(node.pos.line)?
                .chars()
                .skip(usize::try_from(node.pos.column).ok()?.checked_sub(1)?)
                .collect();
            let offset = raw_offset(&raw, scalar.style, usize::try_from(column).ok()?)?;
            Some(Pos {
                line: node.pos.line,
                column: node.pos.column.checked_add(saturate(offset))?,
            })
        }
        ScalarStyle::Literal => {
            // A position just past the end (the parser's end of input, after
            // the block's final newline) is shown at the end of the last line.
            let last = scalar.text.lines().count();
            let (line, column) = match scalar.text.lines().last() {
                Some(text) if usize::try_from(line).ok()? > last => {
                    (saturate(last), saturate(text.chars().count() + 1))
                }
                _ => (line, column),
            };
            let text_line = scalar
                .text
                .lines()
                .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
            // The scalar's span starts at its first content line.
            let file_line = node.pos.line.checked_add(line)?.checked_sub(1)?;
            let raw = source_line(file_line)?;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if !raw.ends_with(text_line) {
                return None;
            }
            let indent = raw.chars().count() - text_line.chars().count();
            Some(Pos {
                line: file_line,
                column: saturate(indent).checked_add(column)?,
            })
        }
        ScalarStyle::Folded => None,
    }
}

/// The offset, in characters from the scalar's first raw character, of the
/// raw character that produced text character `column` (1-based).
fn raw_offset(raw: &[char], style: ScalarStyle, column: usize) -> Option<usize> {
    let mut at = usize::from(style != ScalarStyle::Plain);
    for _ in 1..column {
        let width = match (style, raw.get(at)?) {
            (ScalarStyle::SingleQuoted, '\'') => 2,
            (ScalarStyle::DoubleQuoted, '\\') => match raw.get(at + 1)? {
                'x' => 4,
                'u' => 6,
                'U' => 10,
                _ => 2,
            },
            _ => 1,
        };
        at += width;
    }
    Some(at)
}
