//! Multi-row `VALUES` lists written for the backend at hand (the `Any` driver's query builder
//! writes `?` for both, which PostgreSQL refuses).

/// Rows per statement: keeps the bound parameters far below SQLite's limit of 32,766.
pub const ROWS_PER_STATEMENT: usize = 500;

/// `rows` rows of `columns` placeholders for the database behind `conn`. SQLite gets anonymous
/// `?`: it looks numbered ones up by a linear search per bound value, which makes binding a
/// statement of n `$n` values O(n²). PostgreSQL needs `$1, $2, …`.
pub fn placeholders(conn: &sqlx::AnyConnection, rows: usize, columns: usize) -> String {
    if conn.backend_name() == "SQLite" {
        anonymous(rows, columns)
    } else {
        numbered(rows, columns)
    }
}

pub(super) fn anonymous(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

pub(super) fn numbered(rows: usize, columns: usize) -> String {
    let mut list = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            list.push_str(", ");
        }
        list.push('(');
        for column in 0..columns {
            if column > 0 {
                list.push_str(", ");
            }
            list.push('$');
            list.push_str(&(row * columns + column + 1).to_string());
        }
        list.push(')');
    }
    list
}

#[cfg(test)]
mod tests {
    use super::{anonymous, numbered};

    #[test]
    fn numbers_placeholders_row_by_row() {
        assert_eq!(numbered(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn one_row_of_one_value() {
        assert_eq!(numbered(1, 1), "($1)");
    }

    #[test]
    fn anonymous_placeholders_have_the_same_shape() {
        assert_eq!(anonymous(2, 2), "(?, ?), (?, ?)");
    }
}
