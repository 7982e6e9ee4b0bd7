//! SQL, one file per aggregate. Every function takes any executor (pool, connection or
//! transaction) so services decide the transaction boundaries.

/// Declares a row struct and its `FromRow<AnyRow>`: each field read from the column of its name;
/// `field: T as V` reads `V` and converts it with `TryFrom` (stored names of closed sets), a value
/// `T` refuses being a decode error naming the column. The modules below see it because it is
/// defined before them.
///
/// sqlx's `#[derive(FromRow)]` did this before; it needs sqlx's macros, which build sqlx's drivers
/// and SQLite's C a second time, for the compiler, in every fresh release build.
macro_rules! from_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $row_type:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty $(as $via:ty)?),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $row_type {
            $($(#[$field_meta])* $field_vis $field: $ty),+
        }

        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $row_type {
            fn from_row(row: &'r sqlx::any::AnyRow) -> sqlx::Result<Self> {
                Ok(Self { $($field: from_row!(@column row, $field $(, $via)?)),+ })
            }
        }
    };
    (@column $row:ident, $field:ident) => {
        sqlx::Row::try_get($row, stringify!($field))?
    };
    (@column $row:ident, $field:ident, $via:ty) => {
        $crate::ssr::store::converted::<$via, _>($row, stringify!($field))?
    };
}

/// Column `name` read as `V` and converted to `T`; a value `T` refuses is a decode error naming
/// the column.
pub(crate) fn converted<'r, V, T>(row: &'r sqlx::any::AnyRow, name: &str) -> sqlx::Result<T>
where
    V: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
    T: TryFrom<V>,
    T::Error: std::fmt::Display,
{
    let value: V = sqlx::Row::try_get(row, name)?;
    T::try_from(value).map_err(|error| sqlx::Error::ColumnDecode {
        index: name.to_owned(),
        source: error.to_string().into(),
    })
}

pub mod agents;
pub mod answer_links;
pub mod approval_routes;
pub mod approvals;
pub mod audit;
pub mod backtest_runs;
pub mod bindings;
pub mod decisions;
pub mod deliveries;
pub mod flags;
pub mod login_failures;
pub mod policies;
pub mod product_uses;
pub mod products;
pub mod recorded_evaluations;
pub mod script;
pub mod tokens;
pub mod traces;
pub mod users;
pub mod values;
