//! The limits a GraphQL document must keep: depth and complexity (enforced by async-graphql,
//! set in `build_schema`), and what async-graphql does not enforce on its own: tokens,
//! aliases and directives per document. Without an alias limit, one request could ask for
//! the same costly field a hundred times under different names; without a token limit, a
//! megabyte of `{a a a a …}` costs the parser before any other limit applies.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Value as ConstValue, Variables};

use crate::error::AppError;
use crate::i18n::Lang;

/// Longest string accepted anywhere in a request, in characters: a backstop under the
/// tighter limit each field sets for itself.
pub const MAX_STRING_CHARS: usize = 50_000;

/// A string from a request is acceptable text: not longer than [`MAX_STRING_CHARS`], and
/// free of control characters other than tab and line breaks (NUL included: PostgreSQL
/// refuses it, SQLite would store it).
fn check_text(field: &str, text: &str) -> Result<(), AppError> {
    crate::text::check_text(field, text, MAX_STRING_CHARS)
}

fn check_const(field: &str, value: &ConstValue) -> Result<(), AppError> {
    match value {
        ConstValue::String(text) => check_text(field, text),
        ConstValue::List(items) => items.iter().try_for_each(|v| check_const(field, v)),
        ConstValue::Object(fields) => fields
            .iter()
            .try_for_each(|(name, v)| check_const(&format!("{field}.{name}"), v)),
        _ => Ok(()),
    }
}

fn check_literals(set: &SelectionSet) -> Result<(), AppError> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                for (name, value) in &field.node.arguments {
                    // Variables in the literal are checked with the variables themselves.
                    let literal = value
                        .node
                        .clone()
                        .into_const_with(|_| Ok::<_, ()>(ConstValue::Null))
                        .unwrap_or_default();
                    check_const(name.node.as_str(), &literal)?;
                }
                check_literals(&field.node.selection_set.node)?;
            }
            Selection::InlineFragment(inline) => check_literals(&inline.node.selection_set.node)?,
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

/// Checks every string of a request, in its variables and in the document's literals, with
/// [`check_text`]; the error names the variable or argument.
pub fn check_strings(document: &ExecutableDocument, variables: &Variables) -> Result<(), AppError> {
    for (name, value) in variables.iter() {
        check_const(name.as_str(), value)?;
    }
    for (_, operation) in document.operations.iter() {
        for variable in &operation.node.variable_definitions {
            if let Some(default) = &variable.node.default_value {
                check_const(variable.node.name.node.as_str(), &default.node)?;
            }
        }
        check_literals(&operation.node.selection_set.node)?;
    }
    for fragment in document.fragments.values() {
        check_literals(&fragment.node.selection_set.node)?;
    }
    Ok(())
}

/// The document limits, all configurable (see `Config`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest selection nesting.
    pub depth: usize,
    /// Costliest query; list fields cost their page size times their children.
    pub complexity: usize,
    /// Most aliased fields in one document.
    pub aliases: usize,
    /// Most directives in one document.
    pub directives: usize,
    /// Most lexical tokens (names, punctuation, values; not whitespace or comments).
    pub tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 10,
            complexity: 20_000,
            aliases: 15,
            directives: 50,
            tokens: 2_000,
        }
    }
}

/// A limit a document goes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Depth { found: usize, max: usize },
    Aliases { found: usize, max: usize },
    Directives { found: usize, max: usize },
    Tokens { max: usize },
}

impl Exceeded {
    pub fn code(self) -> &'static str {
        match self {
            Self::Depth { .. } => "QUERY_TOO_DEEP",
            Self::Aliases { .. } => "TOO_MANY_ALIASES",
            Self::Directives { .. } => "TOO_MANY_DIRECTIVES",
            Self::Tokens { .. } => "TOO_MANY_TOKENS",
        }
    }

    /// What the client is told.
    pub fn message(self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Depth { found, max }, Lang::En) => {
                format!("The query nests {found} levels deep; at most {max} are allowed.")
            }
            (Self::Depth { found, max }, Lang::Ja) => {
                format!("クエリの入れ子が{found}段あります。上限は{max}段です。")
            }
            (Self::Aliases { found, max }, Lang::En) => {
                format!("The document has {found} aliased fields; at most {max} are allowed.")
            }
            (Self::Aliases { found, max }, Lang::Ja) => {
                format!(
                    "別名（エイリアス）付きのフィールドが{found}個あります。上限は{max}個です。"
                )
            }
            (Self::Directives { found, max }, Lang::En) => {
                format!("The document has {found} directives; at most {max} are allowed.")
            }
            (Self::Directives { found, max }, Lang::Ja) => {
                format!("ディレクティブが{found}個あります。上限は{max}個です。")
            }
            (Self::Tokens { max }, Lang::En) => {
                format!("The document has more than {max} tokens.")
            }
            (Self::Tokens { max }, Lang::Ja) => {
                format!("ドキュメントのトークン数が上限（{max}）を超えています。")
            }
        }
    }
}

/// Counts the document's tokens, stopping as soon as there are more than `max`; run before
/// the document is parsed. Text that does not lex is left for the parser to report.
pub fn check_tokens(query: &str, max: usize) -> Result<(), Exceeded> {
    use apollo_parser::{Lexer, TokenKind};
    let mut count = 0usize;
    for token in Lexer::new(query).flatten() {
        if matches!(
            token.kind(),
            TokenKind::Whitespace | TokenKind::Comment | TokenKind::Comma | TokenKind::Eof
        ) {
            continue;
        }
        count += 1;
        if count > max {
            return Err(Exceeded::Tokens { max });
        }
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
}

fn walk(set: &SelectionSet, counts: &mut Counts) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                counts.aliases += usize::from(field.node.alias.is_some());
                counts.directives += field.node.directives.len();
                walk(&field.node.selection_set.node, counts);
            }
            Selection::FragmentSpread(spread) => counts.directives += spread.node.directives.len(),
            Selection::InlineFragment(inline) => {
                counts.directives += inline.node.directives.len();
                walk(&inline.node.selection_set.node, counts);
            }
        }
    }
}

/// The nesting depth of a selection set, fragments expanded. Introspection (`__schema`,
/// `__type`) does not count: tools' standard introspection query nests `ofType` deeper than
/// any data query needs, and costs no database work. A fragment that spreads itself (which
/// validation refuses later) is not followed twice.
fn depth<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    visiting: &mut Vec<&'a str>,
) -> usize {
    let mut deepest = 0;
    for item in &set.items {
        let d = match &item.node {
            Selection::Field(field) => {
                if field.node.name.node.starts_with("__") {
                    0
                } else {
                    1 + depth(&field.node.selection_set.node, document, visiting)
                }
            }
            Selection::InlineFragment(inline) => {
                depth(&inline.node.selection_set.node, document, visiting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(name) {
                    Some(fragment) if !visiting.contains(&name) => {
                        visiting.push(name);
                        let d = depth(&fragment.node.selection_set.node, document, visiting);
                        visiting.pop();
                        d
                    }
                    _ => 0,
                }
            }
        };
        deepest = deepest.max(d);
    }
    deepest
}

/// Checks a parsed document against the depth, alias and directive limits. Fragments count
/// once each, where defined, for aliases and directives, and where spread for depth.
pub fn check(document: &ExecutableDocument, limits: &Limits) -> Result<(), Exceeded> {
    for (_, operation) in document.operations.iter() {
        let found = depth(
            &operation.node.selection_set.node,
            document,
            &mut Vec::new(),
        );
        if found > limits.depth {
            return Err(Exceeded::Depth {
                found,
                max: limits.depth,
            });
        }
    }
    let mut counts = Counts::default();
    for (_, operation) in document.operations.iter() {
        counts.directives += operation.node.directives.len();
        walk(&operation.node.selection_set.node, &mut counts);
    }
    for fragment in document.fragments.values() {
        counts.directives += fragment.node.directives.len();
        walk(&fragment.node.selection_set.node, &mut counts);
    }
    if counts.aliases > limits.aliases {
        return Err(Exceeded::Aliases {
            found: counts.aliases,
            max: limits.aliases,
        });
    }
    if counts.directives > limits.directives {
        return Err(Exceeded::Directives {
            found: counts.directives,
            max: limits.directives,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn aliases(n: usize) -> String {
        let fields: Vec<String> = (0..n)
            .map(|i| format!("a{i}: viewer {{ roles }}"))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    }

    const LIMITS: Limits = Limits {
        depth: 10,
        complexity: 20_000,
        aliases: 15,
        directives: 50,
        tokens: 2_000,
    };

    fn check(document: &ExecutableDocument) -> Result<(), Exceeded> {
        super::check(document, &LIMITS)
    }

    #[test]
    fn depth_counts_fields_through_fragments_but_not_introspection() {
        let nested = |n: usize| {
            let mut q = "name".to_owned();
            for _ in 1..n {
                q = format!("prefecture {{ {q} }}");
            }
            q
        };
        let ten = parse_query(format!("{{ {} }}", nested(10))).expect("parses");
        assert_eq!(check(&ten), Ok(()));
        let eleven = parse_query(format!("{{ {} }}", nested(11))).expect("parses");
        assert_eq!(check(&eleven), Err(Exceeded::Depth { found: 11, max: 10 }));
        let via_fragment = parse_query(format!(
            "{{ a {{ ...F }} }} fragment F on T {{ {} }}",
            nested(10)
        ))
        .expect("parses");
        assert_eq!(
            check(&via_fragment),
            Err(Exceeded::Depth { found: 11, max: 10 })
        );
        let introspection = parse_query(format!(
            "{{ __schema {{ types {{ {} }} }} __typename }}",
            nested(30)
        ))
        .expect("parses");
        assert_eq!(check(&introspection), Ok(()));
        let cycle = parse_query("{ ...F } fragment F on Query { a { ...F } }").expect("parses");
        assert_eq!(check(&cycle), Ok(()));
    }

    #[test]
    fn strings_in_variables_and_literals_are_checked() {
        let ok = parse_query("{ a(s: \"金沢\\n市\") }").expect("parses");
        assert!(check_strings(&ok, &Variables::default()).is_ok());
        let nul = parse_query("{ a(input: { name: \"a\\u0000b\" }) }").expect("parses");
        let err = check_strings(&nul, &Variables::default()).expect_err("refused");
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "input.name"));
        let vars = Variables::from_json(serde_json::json!({ "f": { "search": "x\u{7}" } }));
        let plain = parse_query("query($f: F) { a(f: $f) }").expect("parses");
        let err = check_strings(&plain, &vars).expect_err("refused");
        assert!(matches!(err, AppError::Validation { ref field, .. } if field == "f.search"));
        let long =
            Variables::from_json(serde_json::json!({ "s": "あ".repeat(MAX_STRING_CHARS + 1) }));
        assert!(check_strings(&plain, &long).is_err());
        let fine = Variables::from_json(serde_json::json!({ "s": "あ".repeat(MAX_STRING_CHARS) }));
        assert!(check_strings(&plain, &fine).is_ok());
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        assert_eq!(Limits::default(), LIMITS);
    }

    #[test]
    fn tokens_are_counted_without_whitespace_commas_or_comments() {
        // `{ a b }` is four tokens however it is spaced or commented.
        assert_eq!(check_tokens("{ a b }", 4), Ok(()));
        assert_eq!(check_tokens("{a,b}", 4), Ok(()));
        assert_eq!(check_tokens("# hello\n{ a  b }\n", 4), Ok(()));
        assert_eq!(
            check_tokens("{ a b c }", 4),
            Err(Exceeded::Tokens { max: 4 })
        );
        let big = format!("{{ {} }}", "a ".repeat(5_000));
        assert_eq!(
            check_tokens(&big, 2_000),
            Err(Exceeded::Tokens { max: 2_000 })
        );
    }

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let ok = parse_query(aliases(LIMITS.aliases)).expect("parses");
        assert_eq!(check(&ok), Ok(()));
        let over = parse_query(aliases(LIMITS.aliases + 1)).expect("parses");
        assert_eq!(check(&over), Err(Exceeded::Aliases { found: 16, max: 15 }));
        let in_fragment = format!(
            "query {{ ...F }} fragment F on Query {{ {} }}",
            (0..16)
                .map(|i| format!("x{i}: viewer {{ roles }}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(check(&parse_query(in_fragment).expect("parses")).is_err());
    }

    #[test]
    fn directives_are_counted_everywhere() {
        let many = format!(
            "{{ viewer {{ roles {} }} }}",
            "@include(if: true) ".repeat(51)
        );
        assert_eq!(
            check(&parse_query(many).expect("parses")),
            Err(Exceeded::Directives { found: 51, max: 50 })
        );
        assert_eq!(
            check(&parse_query("{ viewer { roles @skip(if: false) } }").expect("parses")),
            Ok(())
        );
    }
}
