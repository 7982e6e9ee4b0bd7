//! Starter templates for new policies: each is a valid policy whose own tests pass.

pub struct Template {
    pub key: &'static str,
    pub title: &'static str,
    pub source: &'static str,
}

pub const TEMPLATES: [Template; 4] = [
    Template {
        key: "discount_cap",
        title: "Discount cap with a Finance exception",
        source: include_str!("templates/discount_cap.yaml"),
    },
    Template {
        key: "pii_access",
        title: "Personal data access requires an allowed purpose",
        source: include_str!("templates/pii_access.yaml"),
    },
    Template {
        key: "refund_limit",
        title: "Refunds above a limit need approval",
        source: include_str!("templates/refund_limit.yaml"),
    },
    Template {
        key: "sev1_escalation",
        title: "SEV-1 escalation for enterprise customers",
        source: include_str!("templates/sev1_escalation.yaml"),
    },
];

const BLANK: &str = "description: What this policy decides, in one sentence
owner: your-team
inputs:
  amount: { type: number, required: true }
combine: strictest
default: deny
rules:
  - name: small_amount
    when: amount <= 100.0
    outcome: allow
    rationale: \"amount {{amount}} is within the limit\"
tests:
  - name: small amounts pass
    inputs: { amount: 10.0 }
    expect: allow
";

/// The first draft of a new policy `id`: the template's source under the new id, or a blank
/// skeleton when no template (or an unknown one) is named.
pub fn starter_source(template_key: &str, id: &str) -> String {
    let body = TEMPLATES
        .iter()
        .find(|template| template.key == template_key)
        .map(|template| {
            template
                .source
                .split_once('\n')
                .map_or("", |(_, rest)| rest)
        })
        .unwrap_or(BLANK);
    format!("policy: {id}\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_a_valid_policy_whose_tests_pass() {
        for template in TEMPLATES {
            let report = verdict_policy::check(template.source);
            assert!(report.ok, "{}: {:?}", template.key, report);
            assert!(report.tests.len() >= 3, "{} has tests", template.key);
        }
    }

    #[test]
    fn a_starter_takes_the_new_id_and_the_blank_one_is_valid_too() {
        let source = starter_source("refund_limit", "refunds_eu");
        assert!(source.starts_with("policy: refunds_eu\n"));
        let policy = verdict_policy::Policy::parse(&source).expect("valid");
        assert_eq!(policy.id().as_str(), "refunds_eu");
        assert!(verdict_policy::check(&starter_source("", "blank_one")).ok);
    }
}
