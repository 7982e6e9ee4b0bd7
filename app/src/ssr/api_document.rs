//! The JSON API's OpenAPI document, as the server binary serves it, turned into what the API
//! reference page shows. The server crate builds the document (with utoipa) and hands it to the
//! app through the request context as [`ApiDocument`], so this crate needs no utoipa types.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::{
    error::{AppError, AppResult},
    model::{ApiField, ApiGroup, ApiOperation, ApiReference, ApiResponse},
};

/// The served OpenAPI 3.1 document as JSON text.
#[derive(Debug, Clone)]
pub struct ApiDocument(pub Arc<String>);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Reads the document into groups of operations, in the order of its `tags`.
pub fn reference(json: &str) -> AppResult<ApiReference> {
    let document: Value = serde_json::from_str(json).map_err(|error| {
        tracing::error!(%error, "the OpenAPI document is not JSON");
        AppError::Internal
    })?;
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let schemes = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let base_path = document
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/')
        .to_owned();

    let mut groups: Vec<ApiGroup> = document
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|tag| ApiGroup {
            tag: text(tag, "name"),
            description: text(tag, "description"),
            operations: Vec::new(),
        })
        .collect();

    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (path, item) in &paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let built = operation_of(method, path, operation, &schemas, &schemes, &base_path);
            let tag = operation
                .pointer("/tags/0")
                .and_then(Value::as_str)
                .unwrap_or("other")
                .to_owned();
            match groups.iter_mut().find(|group| group.tag == tag) {
                Some(group) => group.operations.push(built),
                None => groups.push(ApiGroup {
                    tag,
                    description: String::new(),
                    operations: vec![built],
                }),
            }
        }
    }
    groups.retain(|group| !group.operations.is_empty());

    Ok(ApiReference {
        title: document
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("API")
            .to_owned(),
        description: document
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        version: document
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        base_path,
        groups,
    })
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn non_empty(value: &Value, key: &str) -> Option<String> {
    Some(text(value, key)).filter(|text| !text.trim().is_empty())
}

fn operation_of(
    method: &str,
    path: &str,
    operation: &Value,
    schemas: &Map<String, Value>,
    schemes: &Map<String, Value>,
    base_path: &str,
) -> ApiOperation {
    let scheme_names: Vec<String> = operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().cloned())
        .collect();
    let auth = scheme_names
        .iter()
        .map(|name| {
            schemes
                .get(name)
                .and_then(|scheme| non_empty(scheme, "description"))
                .unwrap_or_else(|| name.clone())
        })
        .collect();

    let parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|parameter| ApiField {
            name: text(parameter, "name"),
            location: text(parameter, "in"),
            type_name: parameter
                .get("schema")
                .map(|schema| type_name(schema, schemas))
                .unwrap_or_default(),
            required: parameter
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            description: text(parameter, "description"),
        })
        .collect();

    let body_schema = operation.pointer("/requestBody/content/application~1json/schema");
    let body_name = body_schema.and_then(|schema| ref_name(schema).map(str::to_owned));
    let body = body_schema.map(|schema| resolve(schema, schemas));
    let body_fields = body
        .map(|body| fields_of(body, schemas))
        .unwrap_or_default();

    let responses = operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, response)| ApiResponse {
            status: status.clone(),
            description: non_empty(response, "description")
                .unwrap_or_else(|| standard_reason(status).to_owned()),
        })
        .collect();

    let key_variable = if scheme_names.iter().any(|name| name == "agent_key") {
        "$VERDICT_AGENT_KEY"
    } else {
        "$VERDICT_TOKEN"
    };
    let curl = curl_example(
        method,
        &format!("{base_path}{path}"),
        key_variable,
        body.map(|body| example_of(body, schemas)),
    );

    ApiOperation {
        method: method.to_uppercase(),
        path: path.to_owned(),
        operation_id: text(operation, "operationId"),
        summary: non_empty(operation, "summary"),
        description: non_empty(operation, "description"),
        auth,
        parameters,
        body_schema: body_name,
        body_fields,
        responses,
        curl,
    }
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.rsplit('/').next())
}

/// The schema a `$ref` points at (one level; the document's refs point into components).
fn resolve<'a>(schema: &'a Value, schemas: &'a Map<String, Value>) -> &'a Value {
    ref_name(schema)
        .and_then(|name| schemas.get(name))
        .unwrap_or(schema)
}

/// A schema's non-null alternative, for `oneOf: [X, null]` and `type: [X, "null"]`.
fn without_null(schema: &Value) -> &Value {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .and_then(|choices| {
            let real: Vec<&Value> = choices
                .iter()
                .filter(|choice| choice.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            (real.len() == 1).then(|| real[0])
        })
        .unwrap_or(schema)
}

fn type_name(schema: &Value, schemas: &Map<String, Value>) -> String {
    let schema = without_null(schema);
    if let Some(name) = ref_name(schema) {
        let target = resolve(schema, schemas);
        return match enum_values(target) {
            Some(values) => values.join(" | "),
            None => name.to_owned(),
        };
    }
    if let Some(values) = enum_values(schema) {
        return values.join(" | ");
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .filter(|kind| *kind != "null")
            .collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["array"] => match schema.get("items") {
            Some(items) => format!("array of {}", type_name(items, schemas)),
            None => "array".to_owned(),
        },
        [] => "any".to_owned(),
        kinds => kinds.join(" | "),
    }
}

fn enum_values(schema: &Value) -> Option<Vec<String>> {
    schema.get("enum").and_then(Value::as_array).map(|values| {
        values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

fn fields_of(body: &Value, schemas: &Map<String, Value>) -> Vec<ApiField> {
    let required = required_names(body);
    let mut fields: Vec<ApiField> = body
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, property)| ApiField {
            name: name.clone(),
            location: "body".to_owned(),
            type_name: type_name(property, schemas),
            required: required.contains(name),
            description: non_empty(property, "description")
                .or_else(|| non_empty(resolve(without_null(property), schemas), "description"))
                .unwrap_or_default(),
        })
        .collect();
    fields.sort_by_key(|field| !field.required);
    fields
}

fn required_names(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A request body with every required field set to a plausible value: the schema's example,
/// the first allowed value, the "e.g. `…`" in its description, or an empty value of its type.
fn example_of(body: &Value, schemas: &Map<String, Value>) -> Value {
    let mut example = Map::new();
    let properties = body.get("properties").and_then(Value::as_object);
    for name in required_names(body) {
        let value = properties
            .and_then(|properties| properties.get(&name))
            .map(|property| example_value(property, schemas))
            .unwrap_or(Value::Null);
        example.insert(name, value);
    }
    Value::Object(example)
}

fn example_value(property: &Value, schemas: &Map<String, Value>) -> Value {
    if let Some(example) = property.get("example") {
        return example.clone();
    }
    let schema = resolve(without_null(property), schemas);
    if let Some(first) = enum_values(schema).and_then(|values| values.into_iter().next()) {
        return Value::String(first);
    }
    let kind = match schema.get("type") {
        Some(Value::String(one)) => one.as_str(),
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("string"),
        _ => "object",
    };
    match kind {
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        "array" => Value::Array(Vec::new()),
        "object" => Value::Object(Map::new()),
        _ => {
            let description = text(property, "description");
            let hint = description
                .split_once("e.g. `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map(|(example, _)| example.to_owned());
            Value::String(hint.unwrap_or_else(|| "…".to_owned()))
        }
    }
}

/// `{id}` in a path becomes `$ID`, so the command runs once the variable is set.
fn curl_example(method: &str, path: &str, key_variable: &str, body: Option<Value>) -> String {
    let mut url = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        url.push_str(&rest[..start]);
        url.push('$');
        url.push_str(&rest[start + 1..start + length].to_uppercase());
        rest = &rest[start + length + 1..];
    }
    url.push_str(rest);
    let mut command = format!(
        "curl -X {} \"$VERDICT_URL{url}\" \\\n  -H \"Authorization: Bearer {key_variable}\"",
        method.to_uppercase()
    );
    if let Some(body) = body {
        let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned());
        command.push_str(" \\\n  -H \"Content-Type: application/json\" \\\n  -d '");
        command.push_str(&json.replace('\'', "'\\''"));
        command.push('\'');
    }
    command
}

fn standard_reason(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "400" => "Bad request",
        "401" => "No valid credentials",
        "403" => "Not allowed for this role or key",
        "404" => "Not found",
        "409" => "Conflicts with the decision's state",
        "413" => "Body too large",
        "415" => "Send Content-Type: application/json",
        "422" => "Invalid input",
        "423" => "Frozen",
        "429" => "Rate limited",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = r##"{
      "openapi": "3.1.0",
      "info": {"title": "Verdict API", "description": "d", "version": "0.1.0"},
      "servers": [{"url": "/api/v1"}],
      "tags": [{"name": "decisions", "description": "The agent API."}],
      "paths": {
        "/decisions": {"post": {
          "tags": ["decisions"], "operationId": "open",
          "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Open"}}}, "required": true},
          "responses": {"201": {"description": "The decision is open."}, "423": {}},
          "security": [{"agent_key": []}]
        }},
        "/decisions/{id}/close": {"post": {
          "tags": ["decisions"], "operationId": "close",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Closed."}},
          "security": [{"agent_key": []}]
        }}
      },
      "components": {
        "schemas": {
          "Mode": {"type": "string", "enum": ["propose", "approve"]},
          "Open": {"type": "object", "required": ["intent", "automation_mode"], "properties": {
            "actor": {"type": ["string", "null"]},
            "automation_mode": {"$ref": "#/components/schemas/Mode"},
            "intent": {"type": "string", "description": "What, e.g. `refund.create`; scoped."}
          }}
        },
        "securitySchemes": {"agent_key": {"type": "http", "scheme": "bearer", "description": "An agent's API key."}}
      }
    }"##;

    #[test]
    fn reads_operations_fields_and_builds_curl() {
        let reference = reference(DOCUMENT).unwrap();
        assert_eq!(reference.base_path, "/api/v1");
        assert_eq!(reference.groups.len(), 1);
        let open = &reference.groups[0].operations[0];
        assert_eq!(open.method, "POST");
        assert_eq!(open.path, "/decisions");
        assert_eq!(open.auth, vec!["An agent's API key.".to_owned()]);
        assert_eq!(open.body_schema.as_deref(), Some("Open"));
        let names: Vec<_> = open
            .body_fields
            .iter()
            .map(|f| (f.name.as_str(), f.required))
            .collect();
        assert_eq!(
            names,
            vec![
                ("automation_mode", true),
                ("intent", true),
                ("actor", false)
            ]
        );
        assert_eq!(open.body_fields[0].type_name, "propose | approve");
        assert_eq!(open.responses[1].description, "Frozen");
        assert_eq!(
            open.curl,
            "curl -X POST \"$VERDICT_URL/api/v1/decisions\" \\\n  -H \"Authorization: Bearer $VERDICT_AGENT_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"automation_mode\":\"propose\",\"intent\":\"refund.create\"}'"
        );
        let close = &reference.groups[0].operations[1];
        assert!(close.curl.contains("/api/v1/decisions/$ID/close"));
        assert!(!close.curl.contains("-d"));
    }
}
