use std::process::ExitCode;

use clap::{Parser, Subcommand};

use verdict_server::{
    commands::{
        agent, create_token, create_user, keys, policy_backtest, policy_check, policy_publish,
        product_apply, receipt, seed, serve,
    },
    config::ServeArgs,
    telemetry,
};

/// glibc malloc took a fifth of the server's CPU under agent load (profiled with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Verdict decides, in advance and on the record, which actions AI agents may take.
#[derive(Debug, Parser)]
#[command(name = "verdict", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web UI and the API (the default).
    // Boxed: its many settings would make every other command as large.
    Serve(Box<ServeArgs>),
    /// Create a person; the password is read from standard input.
    CreateUser(create_user::CreateUserArgs),
    /// Print a new personal access token for a person.
    CreateToken(create_token::CreateTokenArgs),
    /// Work with policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Work with data product files (the catalogue).
    #[command(subcommand)]
    Product(ProductCommand),
    /// Provision agents.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Fill the database with synthetic decision history (for trying and measuring the trace
    /// explorer): policies, agents and N decisions over the last 90 days.
    Seed(seed::SeedArgs),
    /// Manage the receipt signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Work with signed decision receipts.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new signing key and sign with it from now on; the old keys stay in the file and
    /// the JWKS, so receipts they signed still verify.
    Rotate(keys::SigningKeyArgs),
}

#[derive(Debug, Subcommand)]
enum ReceiptCommand {
    /// Verify signed receipts offline against a key set; exits non-zero unless all verify.
    Verify(receipt::ReceiptVerifyArgs),
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate, lint and test policy files; exits non-zero on an error or a failing test.
    Check(policy_check::PolicyCheckArgs),
    /// Validate, test and publish policy files as new versions (only those that changed).
    Publish(policy_publish::PolicyPublishArgs),
    /// Re-run a policy's recorded evaluations with a draft file and print which outcomes would
    /// change; records nothing.
    Backtest(policy_backtest::PolicyBacktestArgs),
}

#[derive(Debug, Subcommand)]
enum ProductCommand {
    /// Validate and apply data product files as new versions (only those that changed).
    Apply(product_apply::ProductApplyArgs),
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Create an agent and print its API key once.
    Create(agent::AgentCreateArgs),
    /// Bind a published policy to an agent: POLICY follows the latest version, POLICY@N pins one.
    Bind(agent::AgentBindArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => serve::run(cli.serve).await,
        Some(Command::Serve(args)) => serve::run(*args).await,
        Some(Command::CreateUser(args)) => create_user::run(args).await,
        Some(Command::CreateToken(args)) => create_token::run(args).await,
        Some(Command::Policy(PolicyCommand::Check(args))) => policy_check::run(args),
        Some(Command::Policy(PolicyCommand::Publish(args))) => policy_publish::run(args).await,
        Some(Command::Policy(PolicyCommand::Backtest(args))) => policy_backtest::run(args).await,
        Some(Command::Product(ProductCommand::Apply(args))) => product_apply::run(args).await,
        Some(Command::Agent(AgentCommand::Create(args))) => agent::create(args).await,
        Some(Command::Agent(AgentCommand::Bind(args))) => agent::bind(args).await,
        Some(Command::Seed(args)) => seed::run(args).await,
        Some(Command::Keys(KeysCommand::Rotate(args))) => keys::rotate(args),
        Some(Command::Receipt(ReceiptCommand::Verify(args))) => receipt::verify_command(args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("verdict: {error}");
            ExitCode::FAILURE
        }
    }
}
