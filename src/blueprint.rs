//! Blueprints: a JSON recipe that sets a fresh site up at its first boot
//! (users, courses, plugins, settings, a landing page), as the playgrounds
//! users already know do. Plain Rust: this module checks a blueprint whole
//! against the steps the profile offers — before anything runs — and turns
//! it into a plan; the supervisor runs the plan step by step.
//!
//! ```json
//! { "version": 1, "title": "Demo course",
//!   "constants": { "PASSWORD": "Teach-123" },
//!   "landingPage": "/course/view.php?name=DEMO",
//!   "steps": [ { "step": "createCourse", "fullname": "Demo", "shortname": "DEMO" },
//!              { "step": "createUser", "username": "t1", "password": "{{PASSWORD}}" } ] }
//! ```
//!
//! `blueprints/schema.json` is the same format as a JSON Schema (a native
//! test keeps the two in step); the profile names its steps and their fields
//! (`Profile::blueprint_steps`), and runs them with its own PHP, through the
//! application's own APIs.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The blueprint format this worker reads.
pub const VERSION: u64 = 1;
/// Past this many steps a blueprint is refused (each step is a PHP run).
pub const MAX_STEPS: usize = 500;

/// A field of a step: its name, whether it must be there, what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// A string (a number is taken as its decimal text).
    Text,
    /// An object of string values (`setConfigs`' configs).
    TextMap,
    /// A list of objects with these fields (`createUsers`' users).
    List(&'static [Field]),
}

/// How a step is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRun {
    /// The profile's blueprint script, in the live instance.
    Php,
    /// The profile's blueprint script, after the worker downloaded the file
    /// at `url` (a plugin zip, a file to upload); its path is `filePath`.
    Download,
    /// A request to the site, as the user's browser would send it.
    Request,
    /// Sets where the page goes once the blueprint is done.
    LandingPage,
}

/// One kind of step a profile offers.
#[derive(Debug, Clone, Copy)]
pub struct StepSpec {
    pub name: &'static str,
    pub fields: &'static [Field],
    pub run: StepRun,
}

pub const fn required(name: &'static str) -> Field {
    Field { name, required: true, kind: FieldKind::Text }
}

pub const fn optional(name: &'static str) -> Field {
    Field { name, required: false, kind: FieldKind::Text }
}

/// A required list of objects, each with `fields` (the plural steps: `users`, `sections`…).
pub const fn required_list(name: &'static str, fields: &'static [Field]) -> Field {
    Field { name, required: true, kind: FieldKind::List(fields) }
}

/// A required object of text values (`configs`).
pub const fn required_text_map(name: &'static str) -> Field {
    Field { name, required: true, kind: FieldKind::TextMap }
}

/// Steps every profile offers: a request to the site, and the landing page.
pub const GENERIC_STEPS: &[StepSpec] = &[
    StepSpec {
        name: "request",
        fields: &[optional("method"), required("path"), optional("body"), optional("contentType")],
        run: StepRun::Request,
    },
    StepSpec { name: "setLandingPage", fields: &[required("path")], run: StepRun::LandingPage },
];

/// A blueprint checked whole, its constants substituted.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub title: String,
    pub landing_page: Option<String>,
    pub steps: Vec<PlannedStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep {
    /// 1-based, as the page shows it.
    pub number: usize,
    pub name: String,
    pub run: StepRun,
    /// The step's fields (without `step`), constants substituted.
    pub args: Map<String, Value>,
}

impl PlannedStep {
    /// "step 3 of 7 (createCourse)"
    pub fn describe(&self, of: usize) -> String {
        format!("step {} of {of} ({})", self.number, self.name)
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.args.get(field).and_then(Value::as_str)
    }
}

/// Checks `value` against the format and `offered` steps; names what is wrong.
pub fn plan(value: &Value, offered: &[StepSpec]) -> Result<Plan, String> {
    let top = value.as_object().ok_or("a blueprint is a JSON object")?;
    for key in top.keys() {
        if !["$schema", "version", "title", "constants", "landingPage", "steps"].contains(&key.as_str()) {
            return Err(format!("the blueprint has an unknown field {key:?}"));
        }
    }
    match top.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(newer) if newer > VERSION => {
            return Err(format!("the blueprint has version {newer}, newer than this playground's {VERSION}"))
        }
        _ => return Err(format!("the blueprint needs \"version\": {VERSION}")),
    }
    let title = optional_text(top, "title", "the blueprint")?.unwrap_or_default();
    let constants = constants(top)?;
    let landing_page = optional_text(top, "landingPage", "the blueprint")?
        .map(|path| substitute(&Value::String(path), &constants))
        .transpose()
        .map_err(|e| format!("the blueprint's landingPage: {e}"))?
        .and_then(|v| v.as_str().map(str::to_string));
    let steps = top.get("steps").and_then(Value::as_array).ok_or("the blueprint needs \"steps\": a list")?;
    if steps.len() > MAX_STEPS {
        return Err(format!("the blueprint has {} steps; at most {MAX_STEPS} are run", steps.len()));
    }
    let mut planned = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        planned.push(plan_step(index + 1, step, offered, &constants)?);
    }
    Ok(Plan { title, landing_page, steps: planned })
}

fn plan_step(
    number: usize,
    step: &Value,
    offered: &[StepSpec],
    constants: &BTreeMap<String, String>,
) -> Result<PlannedStep, String> {
    let object = step.as_object().ok_or_else(|| format!("step {number} is not an object"))?;
    let name =
        object.get("step").and_then(Value::as_str).ok_or_else(|| format!("step {number} has no \"step\" name"))?;
    let where_ = format!("step {number} ({name})");
    let spec = offered.iter().chain(GENERIC_STEPS).find(|spec| spec.name == name).ok_or_else(|| {
        let known: Vec<&str> = offered.iter().chain(GENERIC_STEPS).map(|s| s.name).collect();
        format!("{where_}: this site has no such step (it offers {})", known.join(", "))
    })?;
    let mut args = object.clone();
    args.remove("step");
    check_fields(&args, spec.fields, &where_)?;
    let args = match substitute(&Value::Object(args), constants).map_err(|e| format!("{where_}: {e}"))? {
        Value::Object(args) => args,
        _ => unreachable!("an object stays an object"),
    };
    Ok(PlannedStep { number, name: name.to_string(), run: spec.run, args })
}

fn check_fields(args: &Map<String, Value>, fields: &[Field], where_: &str) -> Result<(), String> {
    for key in args.keys() {
        if !fields.iter().any(|f| f.name == key) {
            let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
            return Err(format!("{where_}: unknown field {key:?} (it takes {})", known.join(", ")));
        }
    }
    for field in fields {
        let Some(value) = args.get(field.name) else {
            if field.required {
                return Err(format!("{where_}: the field {:?} is required", field.name));
            }
            continue;
        };
        let fits = match field.kind {
            FieldKind::Text => value.is_string() || value.is_number(),
            FieldKind::TextMap => {
                value.as_object().is_some_and(|map| map.values().all(|v| v.is_string() || v.is_number()))
            }
            FieldKind::List(items) => {
                let Some(list) = value.as_array() else {
                    return Err(format!("{where_}: {:?} must be a list", field.name));
                };
                if list.is_empty() {
                    return Err(format!("{where_}: {:?} is empty", field.name));
                }
                for (i, item) in list.iter().enumerate() {
                    let item =
                        item.as_object().ok_or_else(|| format!("{where_}: {}[{i}] is not an object", field.name))?;
                    check_fields(item, items, &format!("{where_}, {}[{i}]", field.name))?;
                }
                true
            }
        };
        if !fits {
            let wanted = match field.kind {
                FieldKind::Text => "a string",
                FieldKind::TextMap => "an object of strings",
                FieldKind::List(_) => "a list",
            };
            return Err(format!("{where_}: {:?} must be {wanted}", field.name));
        }
    }
    Ok(())
}

fn optional_text(object: &Map<String, Value>, key: &str, where_: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!("{where_}'s {key:?} must be a string")),
    }
}

fn constants(top: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    let Some(value) = top.get("constants") else { return Ok(BTreeMap::new()) };
    let map = value.as_object().ok_or("the blueprint's \"constants\" must be an object")?;
    let mut constants = BTreeMap::new();
    for (name, value) in map {
        let named = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !named {
            return Err(format!("the constant name {name:?} is not NAME_LIKE_THIS"));
        }
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            _ => return Err(format!("the constant {name} must be a string or a number")),
        };
        constants.insert(name.clone(), text);
    }
    Ok(constants)
}

/// `{{NAME}}` in every string (numbers become text), from `constants`.
fn substitute(value: &Value, constants: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(substitute_text(text, constants)?),
        Value::Number(number) => Value::String(number.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, constants)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| Ok((k.clone(), substitute(v, constants)?))).collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_text(text: &str, constants: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| format!("{text:?} opens {{{{ without closing it"))?;
        let name = after[..end].trim();
        let value = constants.get(name).ok_or_else(|| format!("{{{{{name}}}}} is not a constant of this blueprint"))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The format as a JSON Schema (draft 2020-12): every step of every profile
/// (`www/blueprints/schema.json` is this, kept in step by a native test).
pub fn json_schema(profiles: &[(&str, &[StepSpec])]) -> Value {
    use serde_json::json;
    let mut defs = Map::new();
    let mut offered_by: BTreeMap<&str, (Vec<&str>, StepSpec)> = BTreeMap::new();
    for (profile, steps) in profiles {
        for spec in steps.iter().chain(GENERIC_STEPS) {
            offered_by.entry(spec.name).or_insert_with(|| (Vec::new(), *spec)).0.push(profile);
        }
    }
    fn object(fields: &[Field], step: Option<&str>) -> Value {
        let mut properties = Map::new();
        let mut required: Vec<&str> = Vec::new();
        if let Some(step) = step {
            properties.insert("step".into(), json!({ "const": step }));
            required.push("step");
        }
        for field in fields {
            let schema = match field.kind {
                FieldKind::Text => json!({ "type": ["string", "number"] }),
                FieldKind::TextMap => {
                    json!({ "type": "object", "additionalProperties": { "type": ["string", "number"] } })
                }
                FieldKind::List(items) => json!({ "type": "array", "minItems": 1, "items": object(items, None) }),
            };
            properties.insert(field.name.into(), schema);
            if field.required {
                required.push(field.name);
            }
        }
        json!({ "type": "object", "additionalProperties": false, "required": required, "properties": properties })
    }
    let mut refs = Vec::new();
    for (name, (profiles, spec)) in &offered_by {
        let mut schema = object(spec.fields, Some(name));
        schema["description"] = format!("offered by: {}", profiles.join(", ")).into();
        defs.insert(name.to_string(), schema);
        refs.push(json!({ "$ref": format!("#/$defs/{name}") }));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A resilient-php-worker blueprint",
        "description": "Sets a fresh site up at its first boot, step by step (src/blueprint.rs). Strings may hold {{CONSTANT}}s.",
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "steps"],
        "properties": {
            "$schema": { "type": "string" },
            "version": { "const": VERSION },
            "title": { "type": "string" },
            "constants": {
                "type": "object",
                "propertyNames": { "pattern": "^[A-Z_][A-Z0-9_]*$" },
                "additionalProperties": { "type": ["string", "number"] }
            },
            "landingPage": { "type": "string" },
            "steps": { "type": "array", "maxItems": MAX_STEPS, "items": { "oneOf": refs } }
        },
        "$defs": defs
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const USER: &[Field] = &[required("username"), optional("password")];
    const OFFERED: &[StepSpec] = &[
        StepSpec { name: "createCourse", fields: &[required("fullname"), required("shortname")], run: StepRun::Php },
        StepSpec { name: "createUser", fields: USER, run: StepRun::Php },
        StepSpec { name: "createUsers", fields: &[required_list("users", USER)], run: StepRun::Php },
        StepSpec { name: "setConfigs", fields: &[required_text_map("configs")], run: StepRun::Php },
        StepSpec { name: "installPlugin", fields: &[required("url")], run: StepRun::Download },
    ];

    fn good() -> Value {
        json!({
            "version": 1, "title": "Demo", "constants": { "PASSWORD": "Pw-1", "YEAR": 2026 },
            "landingPage": "/course/view.php?name=C{{YEAR}}",
            "steps": [
                { "step": "createCourse", "fullname": "Course {{YEAR}}", "shortname": "C{{YEAR}}" },
                { "step": "createUsers", "users": [{ "username": "t", "password": "{{PASSWORD}}" }, { "username": "s" }] },
                { "step": "setConfigs", "configs": { "theme": "boost", "maxbytes": 1024 } },
                { "step": "request", "path": "/" },
                { "step": "setLandingPage", "path": "/my/" }
            ]
        })
    }

    /// `www/blueprints/schema.json` is the format as the worker checks it;
    /// `BLESS=1 cargo test schema` writes it anew after a change.
    #[test]
    fn the_schema_in_the_repo_is_the_format_the_worker_checks() {
        let profiles: Vec<(&str, &[StepSpec])> = ["moodle", "moodle45", "mediawiki"]
            .iter()
            .map(|name| (*name, crate::profile::Profile::by_name(name).unwrap().blueprint_steps))
            .collect();
        let expected = serde_json::to_string_pretty(&json_schema(&profiles)).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/blueprints/schema.json");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == expected,
            "www/blueprints/schema.json differs from the steps the profiles offer: BLESS=1 cargo test schema"
        );
    }

    /// Every blueprint of the gallery is one the stand-in and real Moodle accept.
    #[test]
    fn the_gallery_blueprints_are_valid() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/www/blueprints");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") || path.ends_with("schema.json") {
                continue;
            }
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for profile in ["moodle", "moodle45"] {
                let steps = crate::profile::Profile::by_name(profile).unwrap().blueprint_steps;
                if let Err(refusal) = plan(&value, steps) {
                    panic!("{} for {profile}: {refusal}", path.display());
                }
            }
            seen += 1;
        }
        assert!(seen >= 2, "the gallery has its blueprints");
    }

    #[test]
    fn a_good_blueprint_becomes_a_plan_with_its_constants_substituted() {
        let plan = plan(&good(), OFFERED).unwrap();
        assert_eq!(plan.title, "Demo");
        assert_eq!(plan.landing_page.as_deref(), Some("/course/view.php?name=C2026"));
        let names: Vec<&str> = plan.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["createCourse", "createUsers", "setConfigs", "request", "setLandingPage"]);
        assert_eq!(plan.steps[0].text("fullname"), Some("Course 2026"));
        assert_eq!(plan.steps[1].args["users"][0]["password"], "Pw-1");
        assert_eq!(plan.steps[2].args["configs"]["maxbytes"], "1024");
        assert_eq!(plan.steps[3].run, StepRun::Request);
        assert_eq!(plan.steps[4].describe(5), "step 5 of 5 (setLandingPage)");
    }

    /// A family of broken blueprints: each is refused, and the refusal names
    /// the step and what is wrong.
    #[test]
    fn a_broken_blueprint_is_refused_and_the_refusal_names_the_step_and_the_fault() {
        let broken = |change: &dyn Fn(&mut Value)| {
            let mut value = good();
            change(&mut value);
            plan(&value, OFFERED).unwrap_err()
        };
        type Change = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|v| v["version"] = json!(2)), "version 2, newer"),
            (Box::new(|v| v.as_object_mut().unwrap().remove("version").map(drop).unwrap()), "needs \"version\": 1"),
            (Box::new(|v| v["steps"] = json!("no")), "needs \"steps\""),
            (Box::new(|v| v["extra"] = json!(1)), "unknown field \"extra\""),
            (
                Box::new(|v| v["steps"][0] = json!({ "step": "dropDatabase" })),
                "step 1 (dropDatabase): this site has no such step",
            ),
            (Box::new(|v| v["steps"][0] = json!({ "fullname": "x" })), "step 1 has no \"step\" name"),
            (Box::new(|v| v["steps"][1] = json!(3)), "step 2 is not an object"),
            (
                Box::new(|v| v["steps"][0].as_object_mut().unwrap().remove("shortname").map(drop).unwrap()),
                "step 1 (createCourse): the field \"shortname\" is required",
            ),
            (Box::new(|v| v["steps"][0]["colour"] = json!("red")), "step 1 (createCourse): unknown field \"colour\""),
            (
                Box::new(|v| v["steps"][0]["fullname"] = json!(["a"])),
                "step 1 (createCourse): \"fullname\" must be a string",
            ),
            (Box::new(|v| v["steps"][1]["users"] = json!([])), "step 2 (createUsers): \"users\" is empty"),
            (
                Box::new(|v| v["steps"][1]["users"][1] = json!({ "name": "x" })),
                "step 2 (createUsers), users[1]: unknown field \"name\"",
            ),
            (
                Box::new(|v| v["steps"][2]["configs"] = json!({ "a": [] })),
                "step 3 (setConfigs): \"configs\" must be an object of strings",
            ),
            (
                Box::new(|v| v["steps"][0]["fullname"] = json!("{{NOPE}}")),
                "step 1 (createCourse): {{NOPE}} is not a constant",
            ),
            (Box::new(|v| v["steps"][0]["fullname"] = json!("{{YEAR")), "opens {{ without closing"),
            (Box::new(|v| v["constants"] = json!({ "lower": "x" })), "not NAME_LIKE_THIS"),
            (Box::new(|v| v["landingPage"] = json!("/{{MISSING}}")), "landingPage: {{MISSING}}"),
            (
                Box::new(|v| v["steps"] = json!(vec![json!({ "step": "request", "path": "/" }); MAX_STEPS + 1])),
                "at most 500",
            ),
        ];
        for (change, expected) in cases {
            let refusal = broken(&*change);
            assert!(refusal.contains(expected), "expected {expected:?} in {refusal:?}");
        }
        assert!(plan(&json!([1]), OFFERED).unwrap_err().contains("JSON object"));
    }
}
