//! Limits async-graphql does not enforce on its own: aliases and directives per document.
//! (It has depth and complexity limits, set in `build_schema`; without an alias limit, one
//! request could ask for the same costly field a hundred times under different names.)

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Most aliased fields in one document.
pub const MAX_ALIASES: usize = 15;
/// Most directives in one document.
pub const MAX_DIRECTIVES: usize = 50;

/// A limit a document goes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Aliases { found: usize, max: usize },
    Directives { found: usize, max: usize },
}

impl Exceeded {
    pub fn code(self) -> &'static str {
        match self {
            Self::Aliases { .. } => "TOO_MANY_ALIASES",
            Self::Directives { .. } => "TOO_MANY_DIRECTIVES",
        }
    }
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

/// Checks a parsed document against the limits. Fragments count once each, where defined.
pub fn check(document: &ExecutableDocument) -> Result<(), Exceeded> {
    let mut counts = Counts::default();
    for (_, operation) in document.operations.iter() {
        counts.directives += operation.node.directives.len();
        walk(&operation.node.selection_set.node, &mut counts);
    }
    for fragment in document.fragments.values() {
        counts.directives += fragment.node.directives.len();
        walk(&fragment.node.selection_set.node, &mut counts);
    }
    if counts.aliases > MAX_ALIASES {
        return Err(Exceeded::Aliases {
            found: counts.aliases,
            max: MAX_ALIASES,
        });
    }
    if counts.directives > MAX_DIRECTIVES {
        return Err(Exceeded::Directives {
            found: counts.directives,
            max: MAX_DIRECTIVES,
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

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let ok = parse_query(aliases(MAX_ALIASES)).expect("parses");
        assert_eq!(check(&ok), Ok(()));
        let over = parse_query(aliases(MAX_ALIASES + 1)).expect("parses");
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
