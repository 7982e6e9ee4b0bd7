//! Write statements that go to the database together. On SQLite a script is sent as one
//! multi-statement text: one trip to sqlx's SQLite worker thread instead of one per statement.
//! Under load every trip waits for two thread wake-ups, and those waits cost the journal more
//! than the statements themselves. PostgreSQL cannot bind parameters across statements, so there
//! the statements go one after another on the same connection.

use futures_util::TryStreamExt;
use sqlx::{any::AnyArguments, error::BoxDynError, Any, Arguments, Either, Encode, Type};

use super::values::{anonymous, numbered};

/// Which statement of a script a result belongs to.
#[derive(Debug, Clone, Copy)]
pub struct StatementId(usize);

pub struct Script<'q> {
    merged: bool,
    cached: bool,
    parts: Vec<Part<'q>>,
    statements: usize,
    encode_error: Option<BoxDynError>,
}

struct Part<'q> {
    sql: String,
    arguments: AnyArguments<'q>,
}

/// Rows changed by each statement of a script, in the order they were added.
#[derive(Debug)]
pub struct Affected(Vec<u64>);

impl Affected {
    pub fn of(&self, statement: StatementId) -> u64 {
        self.0[statement.0]
    }
}

/// One statement's values, bound in the order its placeholders appear.
pub struct Statement<'s, 'q> {
    arguments: &'s mut AnyArguments<'q>,
    encode_error: &'s mut Option<BoxDynError>,
}

impl<'q> Statement<'_, 'q> {
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if let Err(error) = self.arguments.add(value) {
            self.encode_error.get_or_insert(error);
        }
        self
    }
}

impl<'q> Script<'q> {
    pub fn new(conn: &sqlx::AnyConnection) -> Self {
        Self {
            merged: conn.backend_name() == "SQLite",
            cached: true,
            parts: Vec::new(),
            statements: 0,
            encode_error: None,
        }
    }

    /// Keeps the script's statements out of the connection's prepared-statement cache. For bulk
    /// loads (the seed): each of its merged texts is unique and holds thousands of rows, and the
    /// cache kept every one (`verdict seed` of 20,000 decisions peaked at 465 MB instead of
    /// 250 MB, growing with every transaction).
    pub fn uncached(mut self) -> Self {
        self.cached = false;
        self
    }

    /// `rows` parenthesised rows of `columns` placeholders. Placeholders must come from here: a
    /// merged script binds its values by position, so SQLite gets anonymous `?`.
    pub fn rows(&self, rows: usize, columns: usize) -> String {
        if self.merged {
            anonymous(rows, columns)
        } else {
            numbered(rows, columns)
        }
    }

    /// `N` single placeholders, for a statement that is not a list of rows.
    pub fn parameters<const N: usize>(&self) -> [String; N] {
        std::array::from_fn(|index| {
            if self.merged {
                "?".to_owned()
            } else {
                format!("${}", index + 1)
            }
        })
    }

    pub fn is_empty(&self) -> bool {
        self.statements == 0
    }

    /// Adds a statement; bind its values through the returned `Statement`.
    pub fn statement(&mut self, sql: &str) -> (StatementId, Statement<'_, 'q>) {
        let id = StatementId(self.statements);
        self.statements += 1;
        if !self.merged || self.parts.is_empty() {
            self.parts.push(Part {
                sql: String::new(),
                arguments: AnyArguments::default(),
            });
        }
        let last = self.parts.len() - 1;
        let part = &mut self.parts[last];
        if !part.sql.is_empty() {
            part.sql.push_str(";\n");
        }
        part.sql.push_str(sql);
        let statement = Statement {
            arguments: &mut part.arguments,
            encode_error: &mut self.encode_error,
        };
        (id, statement)
    }

    pub async fn run(self, conn: &mut sqlx::AnyConnection) -> sqlx::Result<Affected> {
        if let Some(error) = self.encode_error {
            return Err(sqlx::Error::Encode(error));
        }
        let mut affected = Vec::with_capacity(self.statements);
        for part in self.parts {
            // sqlx 0.8's SQLite driver runs every statement of a text, binding positional
            // values across them; it deprecates this because other drivers cannot. The count
            // check below fails loudly should a later sqlx stop after the first statement.
            #[allow(deprecated)]
            let mut steps = sqlx::query_with(&part.sql, part.arguments)
                .persistent(self.cached)
                .fetch_many(&mut *conn);
            while let Some(step) = steps.try_next().await? {
                if let Either::Left(done) = step {
                    affected.push(done.rows_affected());
                }
            }
        }
        if affected.len() != self.statements {
            return Err(sqlx::Error::Protocol(format!(
                "a script of {} statements reported {} results",
                self.statements,
                affected.len()
            )));
        }
        Ok(Affected(affected))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::Script;

    #[tokio::test]
    async fn reports_the_rows_each_statement_of_a_script_changed() {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .execute(&mut conn)
            .await
            .unwrap();
        let mut script = Script::new(&conn);
        let insert = format!("INSERT INTO notes (id, body) VALUES {}", script.rows(2, 2));
        let [body, id] = script.parameters();
        let update = format!("UPDATE notes SET body = {body} WHERE id = {id}");

        let (inserted, mut values) = script.statement(&insert);
        values.bind(1_i64).bind("first").bind(2_i64).bind("second");
        let (updated, mut values) = script.statement(&update);
        values.bind("second, edited").bind(2_i64);
        let (missed, mut values) = script.statement(&update);
        values.bind("nobody").bind(9_i64);
        let affected = script.run(&mut conn).await.unwrap();

        assert_eq!(
            (
                affected.of(inserted),
                affected.of(updated),
                affected.of(missed)
            ),
            (2, 1, 0)
        );
        let notes: Vec<(i64, String)> = sqlx::query_as("SELECT id, body FROM notes ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(
            notes,
            vec![(1, "first".to_owned()), (2, "second, edited".to_owned())]
        );
    }
}
