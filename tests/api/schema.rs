/// The public contract: any change to the schema shows up as a reviewed snapshot diff.
#[test]
fn the_schema_is_the_reviewed_one() {
    insta::assert_snapshot!("schema", koiki::graphql::sdl());
}
