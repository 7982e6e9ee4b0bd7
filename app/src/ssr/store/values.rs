//! Multi-row `INSERT … VALUES` lists with `$n` placeholders, which both backends accept through
//! the `Any` driver (its query builder writes `?`, which PostgreSQL refuses).

/// Rows per statement: keeps the bound parameters far below SQLite's limit of 32,766.
pub const ROWS_PER_STATEMENT: usize = 500;

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` values each.
pub fn placeholders(rows: usize, columns: usize) -> String {
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
    use super::placeholders;

    #[test]
    fn numbers_placeholders_row_by_row() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn one_row_of_one_value() {
        assert_eq!(placeholders(1, 1), "($1)");
    }
}
