//! Dice: a Market plugin in Rust with no dependencies. It rolls dice on request, announces
//! each roll as a "dice.rolled" event, and counts the events it receives in the host's
//! key-value store.
//!
//! The plugin is declared MK_PLUGIN_CONCURRENT, so every entry point may run on several threads
//! at once: the only mutable state is the per-instance event counter (behind a Mutex) and a
//! global atomic used to vary unseeded rolls.
//!
//! The ABI bindings and the JSON reader are the files of the Rust plugin template, included
//! rather than copied so that dice and `market new --lang rust` projects cannot drift apart.
//!
//!   src/lib.rs     entry points, the instance and its access to the host's services
//!   src/roll.rs    the roll tool
//!   src/events.rs  receiving events and the events_seen tool
//!
//! Build: rustc --edition 2021 --crate-type cdylib -O -o libdice.so src/lib.rs
//!    or: cargo build --release

#[path = "../../../PluginAPI/templates/rust/src/abi.rs"]
mod abi;
#[path = "../../../PluginAPI/templates/rust/src/json.rs"]
mod json;

mod events;
mod roll;

use abi::*;
use json::{integer_field, parse_object};
use roll::{MAX_SIDES, MIN_SIDES};
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::panic::catch_unwind;
use std::sync::Mutex;

const DEFAULT_MAX_DICE: i128 = 100;
const MAX_DICE_LIMIT: i128 = 1000;

// ---------------------------------------------------------------------------------------------
// Entry point, descriptor and capability tables
// ---------------------------------------------------------------------------------------------

static DESCRIPTOR: mk_plugin_descriptor_t = mk_plugin_descriptor_t {
    struct_size: std::mem::size_of::<mk_plugin_descriptor_t>() as u32,
    abi_version: MK_ABI_VERSION,
    id: b"dice\0".as_ptr() as *const c_char,
    version: b"1.0.0\0".as_ptr() as *const c_char,
    toolchain: std::ptr::null(),
    flags: MK_PLUGIN_CONCURRENT,
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

/// The library's only export. Refuses hosts of another ABI major.
#[no_mangle]
pub extern "C" fn mk_plugin_entry_v1(host_abi_version: u32) -> *const mk_plugin_descriptor_t {
    let served = catch_unwind(|| mk_abi_major(host_abi_version) == MK_ABI_VERSION_MAJOR).unwrap_or(false);
    if served {
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
        let id = CStr::from_ptr(id).to_bytes();
        if id == MK_TOOLS_V1 {
            &TOOLS as *const mk_tools_v1_t as *const c_void
        } else if id == MK_EVENTS_V1 {
            &EVENTS as *const mk_events_v1_t as *const c_void
        } else {
            std::ptr::null()
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
    guarded(error, || {
        if out_instance.is_null() {
            return Err(invalid("out_instance is NULL"));
        }
        let instance = Instance::new(host, config_json.as_bytes())?;
        *out_instance = Box::into_raw(Box::new(instance)) as *mut c_void;
        Ok(())
    })
}

unsafe extern "C" fn plugin_destroy(instance: *mut c_void) {
    let _ = catch_unwind(|| {
        if !instance.is_null() {
            drop(Box::from_raw(instance as *mut Instance));
        }
    });
}

unsafe extern "C" fn tools_list(instance: *mut c_void, out: *mut mk_sink_t) -> mk_status_t {
    guarded(std::ptr::null_mut(), || {
        let max_dice = match (instance as *const Instance).as_ref() {
            Some(instance) => instance.max_dice,
            None => DEFAULT_MAX_DICE,
        };
        write_sink(out, &tool_list_json(max_dice))
    })
}

unsafe extern "C" fn tools_call(
    instance: *mut c_void,
    name: mk_str_t,
    arguments_json: mk_str_t,
    call: *const mk_call_t,
    result: *mut mk_sink_t,
    error: *mut mk_sink_t,
) -> mk_status_t {
    guarded(error, || {
        let output = borrow(instance)?.call_tool(name.as_bytes(), arguments_json.as_bytes(), call.as_ref())?;
        // A result sink that refuses the output already knows why, so it only gets its status back.
        write_sink(result, &output).map_err(|refused| Failure::new(refused.status, ""))
    })
}

unsafe extern "C" fn events_handle(
    instance: *mut c_void,
    envelope_json: mk_str_t,
    _call: *const mk_call_t,
    error: *mut mk_sink_t,
) -> mk_status_t {
    guarded(error, || borrow(instance)?.handle_event(envelope_json.as_bytes()))
}

/// Runs an entry point's body so that a failure is reported and a panic never reaches the host.
fn guarded(error: *mut mk_sink_t, body: impl FnOnce() -> Result<(), Failure>) -> mk_status_t {
    guard_named(error, "the dice plugin", body)
}

/// The instance create() made, borrowed for one call.
unsafe fn borrow<'a>(instance: *mut c_void) -> Result<&'a Instance, Failure> {
    (instance as *const Instance).as_ref().ok_or_else(|| invalid("the instance is NULL"))
}

// ---------------------------------------------------------------------------------------------
// The instance
// ---------------------------------------------------------------------------------------------

struct Instance {
    host: *const mk_host_t,
    kv: *const mk_kv_v1_t,
    log: *const mk_log_v1_t,
    events: *const mk_host_events_v1_t,
    max_dice: i128,
    // Serialises the read-modify-write of the event counter between concurrent calls.
    counter_lock: Mutex<()>,
}

// The host pointer stays valid until destroy() and the service tables are documented as
// thread-safe, so the instance may be shared between the host's threads.
unsafe impl Send for Instance {}
unsafe impl Sync for Instance {}

impl Instance {
    unsafe fn new(host: *const mk_host_t, config_json: &[u8]) -> Result<Instance, Failure> {
        let get_service = match host.as_ref().and_then(|h| h.get_service) {
            Some(get_service) => get_service,
            None => return Err(invalid("the host table is NULL or has no get_service")),
        };
        let config = parse_object(config_json, "the configuration")?;
        let max_dice = match integer_field(&config, "max_dice", 1, MAX_DICE_LIMIT, "config.max_dice")? {
            Some(value) => value,
            None => DEFAULT_MAX_DICE,
        };
        let service = |id: &[u8]| get_service(host, id.as_ptr() as *const c_char);
        Ok(Instance {
            host,
            kv: service(MK_KV_V1) as *const mk_kv_v1_t,
            log: service(MK_LOG_V1) as *const mk_log_v1_t,
            events: service(MK_HOST_EVENTS_V1) as *const mk_host_events_v1_t,
            max_dice,
            counter_lock: Mutex::new(()),
        })
    }

    fn call_tool(&self, name: &[u8], arguments: &[u8], call: Option<&mk_call_t>) -> Result<String, Failure> {
        match name {
            b"roll" => self.roll(arguments, call),
            b"events_seen" => self.events_seen(arguments),
            _ => Err(Failure::new(
                MK_ERR_NOT_FOUND,
                format!("no tool named '{}'; dice offers roll and events_seen", String::from_utf8_lossy(name)),
            )),
        }
    }

    fn kv(&self) -> Result<&mk_kv_v1_t, Failure> {
        unsafe { self.kv.as_ref() }.ok_or_else(|| Failure::new(MK_ERR_UNAVAILABLE, "the host offers no market.kv/1"))
    }

    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, Failure> {
        let get = match self.kv()?.get {
            Some(get) => get,
            None => return Err(Failure::new(MK_ERR_UNAVAILABLE, "market.kv/1 has no get")),
        };
        let mut value: Vec<u8> = Vec::new();
        let mut sink = mk_sink_t::collecting(&mut value);
        match unsafe { get(self.host, mk_str_t::from_str(key), &mut sink) } {
            MK_OK => Ok(Some(value)),
            MK_ERR_NOT_FOUND => Ok(None),
            // A refused key is this plugin's fault, not the caller's, so it is not reported as
            // an invalid argument.
            status => Err(Failure::new(
                if status == MK_ERR_INVALID_ARGUMENT { MK_ERR_INTERNAL } else { status },
                format!("could not read {} from the key-value store (status {})", key, status),
            )),
        }
    }

    /// Stores `value`. Only event handling writes, so a failure asks for the event again later.
    fn kv_put(&self, key: &str, value: &str) -> Result<(), Failure> {
        let put = match self.kv()?.put {
            Some(put) => put,
            None => return Err(Failure::new(MK_ERR_UNAVAILABLE, "market.kv/1 has no put")),
        };
        match unsafe { put(self.host, mk_str_t::from_str(key), mk_str_t::from_str(value)) } {
            MK_OK => Ok(()),
            status => Err(Failure::new(
                MK_ERR_RETRY_LATER,
                format!("could not write {} to the key-value store (status {})", key, status),
            )),
        }
    }

    fn log(&self, level: i32, message: &str, fields_json: &str) {
        if let Some(log) = unsafe { self.log.as_ref() }.and_then(|l| l.log) {
            unsafe { log(self.host, level, mk_str_t::from_str(message), mk_str_t::from_str(fields_json)) };
        }
    }
}

fn tool_list_json(max_dice: i128) -> String {
    format!(
        concat!(
            "[",
            "{{\"name\":\"roll\",",
            "\"description\":\"Roll dice and return each roll and the total.\",",
            "\"input_schema\":{{\"type\":\"object\",\"properties\":{{",
            "\"count\":{{\"type\":\"integer\",\"minimum\":1,\"maximum\":{max},\"default\":1,",
            "\"description\":\"How many dice to roll.\"}},",
            "\"sides\":{{\"type\":\"integer\",\"minimum\":{min_sides},\"maximum\":{max_sides},\"default\":6,",
            "\"description\":\"How many faces each die has.\"}},",
            "\"seed\":{{\"type\":\"integer\",",
            "\"description\":\"Makes the roll repeatable: the same seed gives the same rolls.\"}}",
            "}},\"additionalProperties\":false}}}},",
            "{{\"name\":\"events_seen\",",
            "\"description\":\"How many events this plugin has received, and the type of the last one.\",",
            "\"input_schema\":{{\"type\":\"object\",\"properties\":{{}},\"additionalProperties\":false}}}}",
            "]"
        ),
        max = max_dice,
        min_sides = MIN_SIDES,
        max_sides = MAX_SIDES
    )
}
