//! The refusals every operation can answer before its handler runs, added to the document.
//!
//! Authentication, the body limit and timeout, JSON parsing, path ids and the agent rate limit
//! are shared layers, so no handler's annotation lists their statuses; without them a client
//! (or the fuzzer's status-code check) would meet answers the document never mentions.

use utoipa::openapi::{
    path::Operation, ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder,
};

const ANY_OPERATION: &[(&str, &str)] = &[
    ("400", "The request is malformed: unreadable query, path id or body."),
    ("401", "No valid credential: a missing, unknown, expired or revoked key or token, or one of the wrong kind."),
    ("403", "The credential is valid but may not do this (its role, or a frozen agent)."),
];
const WITH_PARAMETERS: &[(&str, &str)] =
    &[("404", "Nothing with that id is visible to this credential.")];
const WITH_INPUTS: &[(&str, &str)] = &[("422", "A value is invalid; `field` names it.")];
const WITH_BODY: &[(&str, &str)] = &[
    ("408", "The body did not arrive within 30 seconds."),
    ("413", "The body is larger than the server's limit."),
    ("415", "The body is not `application/json`."),
];
const AGENT_OPERATION: &[(&str, &str)] = &[(
    "429",
    "This agent sent more requests than its rate limit; see `Retry-After`.",
)];

/// Adds each shared refusal to every operation that can meet it and does not list it already.
pub fn add_to(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_layer_responses(operation);
        }
    }
}

fn add_layer_responses(operation: &mut Operation) {
    let has_parameters = operation
        .parameters
        .as_ref()
        .is_some_and(|parameters| !parameters.is_empty());
    let has_body = operation.request_body.is_some();
    let is_agent = operation
        .tags
        .iter()
        .flatten()
        .any(|tag| tag == "decisions");
    let applicable = [
        (true, ANY_OPERATION),
        (has_parameters, WITH_PARAMETERS),
        (has_parameters || has_body, WITH_INPUTS),
        (has_body, WITH_BODY),
        (is_agent, AGENT_OPERATION),
    ];
    for (status, description) in applicable
        .into_iter()
        .filter(|(applies, _)| *applies)
        .flat_map(|(_, responses)| responses.iter())
    {
        operation
            .responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| error_response(description));
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(document: &OpenApi, path: &str, method: &str) -> Vec<String> {
        operation(document, path, method)
            .responses
            .responses
            .keys()
            .cloned()
            .collect()
    }

    fn operation<'doc>(document: &'doc OpenApi, path: &str, method: &str) -> &'doc Operation {
        let item = document.paths.get_path_item(path).expect("path");
        match method {
            "get" => item.get.as_ref(),
            _ => item.post.as_ref(),
        }
        .expect("operation")
    }

    #[test]
    fn every_operation_lists_the_refusals_its_layers_can_answer() {
        // Arrange, Act: the document as served.
        let (_, document) = crate::api_v1::router_and_document();

        // Assert: an agent call with a body, a person's call with a path id, one without either.
        assert_eq!(
            statuses(&document, "/decisions/{id}/evaluate", "post"),
            ["200", "400", "401", "403", "404", "408", "409", "413", "415", "422", "423", "429"]
        );
        assert_eq!(
            statuses(&document, "/admin/decisions/{id}", "get"),
            ["200", "400", "401", "403", "404", "422"]
        );
        assert_eq!(
            statuses(&document, "/me", "get"),
            ["200", "400", "401", "403"]
        );
    }

    #[test]
    fn a_status_a_handler_documents_keeps_its_own_description() {
        let (_, document) = crate::api_v1::router_and_document();

        let conflict = operation(&document, "/approvals/{id}/resolve", "post")
            .responses
            .responses
            .get("409");

        assert!(
            matches!(conflict, Some(RefOr::T(response)) if response.description.starts_with("Already answered"))
        );
    }
}
