//! __PLUGIN_NAME__: a Market plugin written in Rust, with no dependencies.
//!
//!   src/lib.rs   this file: your plugin, then the glue that connects it to the host
//!   src/abi.rs   the whole C ABI mirrored in Rust, and helpers for the host's services
//!   src/json.rs  a small JSON reader and writer
//!
//! Build the bundle with ./build.sh; README.md shows how to try it with the market CLI.

mod abi;
mod json;

use abi::*;
use json::{quote, Json};
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::panic::catch_unwind;

// Must equal "id" and "version" in plugin.json; the trailing \0 is for C.
const PLUGIN_ID: &[u8] = b"__PLUGIN_ID__\0";
const PLUGIN_VERSION: &[u8] = b"0.1.0\0";

/// One instance per tenant that installs the plugin. Keep per-tenant state here, or better in
/// the host's key-value store (`self.host.kv_get` / `kv_put`), which survives restarts.
struct Plugin {
    host: Host,
}

impl Plugin {
    /// `config` is the tenant's configuration, already checked by the host against the
    /// "config" schema in plugin.json. Add settings there and read them here.
    fn new(host: Host, config: &Json) -> Result<Plugin, Failure> {
        let _ = config;
        Ok(Plugin { host })
    }

    /// Describes the tools as a JSON array. To add a tool, add an entry here, a branch in
    /// call_tool below, and a line under "tools" in plugin.json.
    fn tools(&self) -> String {
        r#"[
            {"name": "hello",
             "description": "Greet someone by name.",
             "input_schema": {"type": "object",
                              "properties": {"name": {"type": "string", "minLength": 1}},
                              "required": ["name"]}}
        ]"#
        .to_string()
    }

    /// Runs tool `name`. Returns its result as one JSON value, or a Failure whose message is
    /// shown to the user or the model.
    fn call_tool(&self, name: &str, args: &Json) -> Result<String, Failure> {
        match name {
            "hello" => self.hello(args),
            // Add your tools here, e.g. "my_tool" => self.my_tool(args),
            _ => Err(Failure::new(MK_ERR_NOT_FOUND, format!("no tool named '{}'", name))),
        }
    }

    fn hello(&self, args: &Json) -> Result<String, Failure> {
        let name = match args.get("name") {
            Some(Json::Str(name)) if !name.is_empty() => name,
            Some(Json::Str(_)) => return Err(invalid("name must not be empty")),
            Some(other) => return Err(invalid(format!("name must be a string, not {}", other.kind()))),
            None => return Err(invalid("name is required")),
        };
        Ok(format!("{{\"greeting\":{}}}", quote(&format!("Hello, {}!", name))))
    }

    /// Handles one event whose type matches permissions.events.subscribe in plugin.json.
    /// Return Ok to acknowledge it, or a Failure with MK_ERR_RETRY_LATER (deliver it again
    /// later) or MK_ERR_REJECTED (never). Delivery is at least once: the same "id" may repeat.
    fn handle_event(&self, envelope: &Json) -> Result<(), Failure> {
        let event_type = envelope.get("type").and_then(Json::as_str).unwrap_or("");
        let event_id = envelope.get("id").and_then(Json::as_str).unwrap_or("");
        self.host.log(
            MK_LOG_INFO,
            "event received",
            &format!("{{\"type\":{},\"id\":{}}}", quote(event_type), quote(event_id)),
        );
        Ok(())
    }
}

// -------------------------------------------------------------------------------------------
// Everything below connects the plugin above to the host. You rarely need to change it.
// -------------------------------------------------------------------------------------------

static DESCRIPTOR: mk_plugin_descriptor_t = mk_plugin_descriptor_t {
    struct_size: std::mem::size_of::<mk_plugin_descriptor_t>() as u32,
    abi_version: MK_ABI_VERSION,
    id: PLUGIN_ID.as_ptr() as *const c_char,
    version: PLUGIN_VERSION.as_ptr() as *const c_char,
    toolchain: std::ptr::null(), // only Swift plugins name a toolchain
    // The host never calls one instance from two threads at once. Switch to
    // MK_PLUGIN_CONCURRENT once Plugin is safe to share (e.g. its state is behind a Mutex).
    flags: MK_PLUGIN_SERIAL,
    create: Some(plugin_create),
    destroy: Some(plugin_destroy),
    get_capability: Some(plugin_get_capability),
};

static TOOLS: mk_tools_v1_t = mk_tools_v1_t {
    struct_size: std::mem::size_of::<mk_tools_v1_t>() as u32,
    list: Some(tools_list),
    call: Some(tools_call),
};

static EVENTS: mk_events_v1_t = mk_events_v1_t {
    struct_size: std::mem::size_of::<mk_events_v1_t>() as u32,
    handle: Some(events_handle),
};

/// The library's only exported symbol: hands the host the descriptor, or NULL when the host
/// speaks another major version of the ABI.
#[no_mangle]
pub extern "C" fn mk_plugin_entry_v1(host_abi_version: u32) -> *const mk_plugin_descriptor_t {
    let compatible = catch_unwind(|| mk_abi_major(host_abi_version) == MK_ABI_VERSION_MAJOR).unwrap_or(false);
    if compatible {
        &DESCRIPTOR
    } else {
        std::ptr::null()
    }
}

unsafe extern "C" fn plugin_get_capability(id: *const c_char) -> *const c_void {
    catch_unwind(|| {
        if id.is_null() {
            return std::ptr::null();
        }
        match CStr::from_ptr(id).to_bytes() {
            id if id == MK_TOOLS_V1 => &TOOLS as *const mk_tools_v1_t as *const c_void,
            id if id == MK_EVENTS_V1 => &EVENTS as *const mk_events_v1_t as *const c_void,
            _ => std::ptr::null(),
        }
    })
    .unwrap_or(std::ptr::null())
}

unsafe extern "C" fn plugin_create(
    host: *const mk_host_t,
    config_json: mk_str_t,
    out_instance: *mut *mut c_void,
    error: *mut mk_sink_t,
) -> mk_status_t {
    guard(error, || {
        if out_instance.is_null() {
            return Err(invalid("out_instance is NULL"));
        }
        let host = Host::new(host)?;
        let config = json::parse_object(config_json.as_bytes(), "the configuration")?;
        let plugin = Plugin::new(host, &config)?;
        *out_instance = Box::into_raw(Box::new(plugin)) as *mut c_void;
        Ok(())
    })
}

unsafe extern "C" fn plugin_destroy(instance: *mut c_void) {
    let _ = catch_unwind(|| {
        if !instance.is_null() {
            drop(Box::from_raw(instance as *mut Plugin));
        }
    });
}

/// The instance create() made, borrowed for one call.
unsafe fn plugin<'a>(instance: *mut c_void) -> Result<&'a Plugin, Failure> {
    (instance as *const Plugin).as_ref().ok_or_else(|| invalid("the instance is NULL"))
}

unsafe extern "C" fn tools_list(instance: *mut c_void, out: *mut mk_sink_t) -> mk_status_t {
    guard(std::ptr::null_mut(), || write_sink(out, &plugin(instance)?.tools()))
}

unsafe extern "C" fn tools_call(
    instance: *mut c_void,
    name: mk_str_t,
    arguments_json: mk_str_t,
    _call: *const mk_call_t,
    result: *mut mk_sink_t,
    error: *mut mk_sink_t,
) -> mk_status_t {
    guard(error, || {
        let plugin = plugin(instance)?;
        let name = String::from_utf8_lossy(name.as_bytes());
        let args = json::parse_object(arguments_json.as_bytes(), "the arguments")?;
        let output = plugin.call_tool(&name, &args)?;
        write_sink(result, &output)
    })
}

unsafe extern "C" fn events_handle(
    instance: *mut c_void,
    envelope_json: mk_str_t,
    _call: *const mk_call_t,
    error: *mut mk_sink_t,
) -> mk_status_t {
    guard(error, || {
        let plugin = plugin(instance)?;
        // An envelope that is not JSON will not get better on redelivery.
        let envelope = json::parse(envelope_json.as_bytes())
            .map_err(|e| Failure::new(MK_ERR_REJECTED, format!("invalid event envelope: {}", e)))?;
        plugin.handle_event(&envelope)
    })
}
