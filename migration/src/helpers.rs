//! Builders shared by the migrations: named foreign keys and indexes, and
//! creating or dropping a table together with its indexes.

use sea_orm_migration::prelude::*;

/// PostgreSQL truncates identifiers longer than this.
const MAX_IDENTIFIER_LEN: usize = 63;

fn checked(name: String) -> String {
    debug_assert!(
        name.len() <= MAX_IDENTIFIER_LEN,
        "identifier `{name}` is longer than {MAX_IDENTIFIER_LEN} bytes"
    );
    name
}

/// `fk_<table>_<column>`: `table.column` references `ref_table.ref_column`.
pub(crate) fn foreign_key<T, C, R, RC>(
    table: T,
    column: C,
    ref_table: R,
    ref_column: RC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    R: IntoIden,
    RC: IntoIden,
{
    let table = table.into_iden();
    let column = column.into_iden();
    ForeignKey::create()
        .name(checked(format!("fk_{table}_{column}")))
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(on_delete)
        .to_owned()
}

/// `idx_<table>_<columns>`.
pub(crate) fn index<T, C, I>(table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    named_index("idx", table, columns)
}

/// `uq_<table>_<columns>`, a unique index.
pub(crate) fn unique<T, C, I>(table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    named_index("uq", table, columns).unique().to_owned()
}

fn named_index<T, C, I>(prefix: &str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    let table = table.into_iden();
    let columns: Vec<DynIden> = columns.into_iter().map(IntoIden::into_iden).collect();
    let mut name = format!("{prefix}_{table}");
    for column in &columns {
        name.push('_');
        name.push_str(&column.to_string());
    }
    index_with_name(name, table, columns)
}

/// An index with an explicit name, for when the generated one would be too long.
pub(crate) fn index_with_name<T, C, I>(name: String, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    let mut index = Index::create();
    index.name(checked(name)).table(table.into_iden());
    for column in columns {
        index.col(column.into_iden());
    }
    index
}

/// Creates `table`, then each of `indexes`.
pub(crate) async fn create_table(
    manager: &SchemaManager<'_>,
    table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    manager.create_table(table).await?;
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Sets a self-referencing foreign key column to NULL in every row, so that
/// SQLite (which deletes the rows of a table it drops, checking foreign keys)
/// can drop a table whose rows reference one another.
pub(crate) async fn clear_self_reference<T, C>(
    manager: &SchemaManager<'_>,
    table: T,
    column: C,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    manager
        .exec_stmt(
            Query::update()
                .table(table.into_iden())
                .value(column, Keyword::Null)
                .to_owned(),
        )
        .await
}

/// Drops each of `tables`, in the order given; their indexes go with them.
pub(crate) async fn drop_tables<T, I>(manager: &SchemaManager<'_>, tables: I) -> Result<(), DbErr>
where
    T: IntoIden,
    I: IntoIterator<Item = T>,
{
    for table in tables {
        manager
            .drop_table(Table::drop().table(table.into_iden()).to_owned())
            .await?;
    }
    Ok(())
}
