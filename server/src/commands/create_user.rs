use std::io::BufRead;

use app::{
    model::{DisplayName, Email, Password},
    ssr::services::users::{self, NewPerson},
};

use super::{open_db, CommandError};
use crate::config::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    /// admin, author, approver or viewer.
    #[arg(long)]
    pub role: String,
    /// The name shown in Verdict; defaults to the part of the email before the @.
    #[arg(long)]
    pub name: Option<String>,
}

/// Creates a person, reading their password from the first line of standard input.
pub async fn run(args: CreateUserArgs) -> Result<(), CommandError> {
    let email = Email::parse(&args.email)?;
    let name = args.name.clone().unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    });
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']);
    let person = NewPerson {
        display_name: DisplayName::parse(&name)?,
        role: args.role.parse()?,
        password: Password::parse(password, "password")?,
        email,
    };
    let db = open_db(&args.database.database_url).await?;
    let created = users::create(&db, "command line", person).await?;
    println!(
        "created {} ({}) as {}",
        created.email, created.id, created.role
    );
    Ok(())
}
