use app::ssr::services::agents;

use super::{open_db, CommandError};
use crate::config::DatabaseArgs;

const ACTOR: &str = "command line";

#[derive(Debug, clap::Args)]
pub struct AgentCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Lowercase letters, digits, '-', '_' or '.', e.g. refund-bot.
    pub name: String,
    #[arg(long, default_value = "")]
    pub description: String,
    #[arg(long, default_value = "")]
    pub owner_team: String,
}

/// Creates an agent and prints its API key, the only time it is shown.
pub async fn create(args: AgentCreateArgs) -> Result<(), CommandError> {
    let db = open_db(&args.database.database_url).await?;
    let issued = agents::create(
        &db,
        ACTOR,
        agents::NewAgentInput {
            name: &args.name,
            description: &args.description,
            owner_team: &args.owner_team,
        },
    )
    .await?;
    eprintln!(
        "created agent {} ({}); its API key, shown once:",
        issued.agent.name, issued.agent.id
    );
    println!("{}", issued.api_key);
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct AgentBindArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The agent's name or id.
    pub agent: String,
    /// POLICY to follow its latest published version, or POLICY@VERSION to pin one.
    pub policy: String,
}

pub async fn bind(args: AgentBindArgs) -> Result<(), CommandError> {
    let (policy_id, version) = parse_policy_ref(&args.policy)?;
    let db = open_db(&args.database.database_url).await?;
    let binding = agents::bind(&db, ACTOR, &args.agent, policy_id, version).await?;
    match binding.pinned_version {
        Some(version) => println!(
            "bound {} to {} pinned at v{version}",
            args.agent, binding.policy_id
        ),
        None => println!(
            "bound {} to {} (follows the latest version, now v{})",
            args.agent,
            binding.policy_id,
            binding.effective_version.unwrap_or_default()
        ),
    }
    Ok(())
}

fn parse_policy_ref(text: &str) -> Result<(&str, Option<i64>), CommandError> {
    match text.split_once('@') {
        None => Ok((text, None)),
        Some((policy, version)) => version
            .trim_start_matches('v')
            .parse::<i64>()
            .ok()
            .filter(|version| *version > 0)
            .map(|version| (policy, Some(version)))
            .ok_or_else(|| {
                CommandError::Usage(format!("{text}: write POLICY@VERSION, e.g. refund-limit@3"))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_references_follow_or_pin() {
        assert_eq!(
            parse_policy_ref("refund-limit").unwrap(),
            ("refund-limit", None)
        );
        assert_eq!(
            parse_policy_ref("refund-limit@3").unwrap(),
            ("refund-limit", Some(3))
        );
        assert_eq!(
            parse_policy_ref("refund-limit@v2").unwrap(),
            ("refund-limit", Some(2))
        );
        assert!(parse_policy_ref("refund-limit@latest").is_err());
        assert!(parse_policy_ref("refund-limit@0").is_err());
    }
}
