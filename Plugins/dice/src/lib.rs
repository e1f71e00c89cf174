//! Dice: a Market plugin in Rust with no dependencies. It rolls dice on request, announces
//! each roll as a "dice.rolled" event, and counts the events it receives in the host's
//! key-value store.
//!
//! The plugin is declared MK_PLUGIN_CONCURRENT, so every entry point may run on several threads
//! at once: the only mutable state is the per-instance event counter (behind a Mutex) and a
//! global atomic used to vary unseeded rolls.
//!
//! Build: rustc --edition 2021 --crate-type cdylib -O -o libdice.so src/lib.rs
//!    or: cargo build --release

mod abi;

use abi::*;
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

const DEFAULT_MAX_DICE: i128 = 100;
const MAX_DICE_LIMIT: i128 = 1000;
const MIN_SIDES: i128 = 2;
const MAX_SIDES: i128 = 1000;

const COUNT_KEY: &str = "events/count";
const LAST_TYPE_KEY: &str = "events/last-type";

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
    let served = catch_unwind(|| host_abi_version >> 16 == MK_ABI_VERSION_MAJOR).unwrap_or(false);
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
            return fail_with(error, Failure::invalid("out_instance is NULL"));
        }
        match Instance::new(host, config_json.as_bytes()) {
            Ok(instance) => {
                *out_instance = Box::into_raw(Box::new(instance)) as *mut c_void;
                MK_OK
            }
            Err(failure) => fail_with(error, failure),
        }
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
        let instance = match (instance as *const Instance).as_ref() {
            Some(instance) => instance,
            None => return fail_with(error, Failure::invalid("the instance is NULL")),
        };
        match instance.call_tool(name.as_bytes(), arguments_json.as_bytes(), call.as_ref()) {
            Ok(json) => write_sink(result, &json),
            Err(failure) => fail_with(error, failure),
        }
    })
}

unsafe extern "C" fn events_handle(
    instance: *mut c_void,
    envelope_json: mk_str_t,
    _call: *const mk_call_t,
    error: *mut mk_sink_t,
) -> mk_status_t {
    guarded(error, || {
        let instance = match (instance as *const Instance).as_ref() {
            Some(instance) => instance,
            None => return fail_with(error, Failure::invalid("the instance is NULL")),
        };
        match instance.handle_event(envelope_json.as_bytes()) {
            Ok(()) => MK_OK,
            Err(failure) => fail_with(error, failure),
        }
    })
}

/// Runs an entry point's body so that a panic never unwinds into the host.
fn guarded<F: FnOnce() -> mk_status_t>(error: *mut mk_sink_t, body: F) -> mk_status_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(status) => status,
        Err(_) => {
            let _ = catch_unwind(|| write_sink(error, "internal error in the dice plugin"));
            MK_ERR_INTERNAL
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The instance
// ---------------------------------------------------------------------------------------------

struct Failure {
    status: mk_status_t,
    message: String,
}

impl Failure {
    fn new(status: mk_status_t, message: impl Into<String>) -> Failure {
        Failure { status, message: message.into() }
    }

    fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(MK_ERR_INVALID_ARGUMENT, message)
    }
}

fn fail_with(error: *mut mk_sink_t, failure: Failure) -> mk_status_t {
    let _ = write_sink(error, &failure.message);
    failure.status
}

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
            None => return Err(Failure::invalid("the host table is NULL or has no get_service")),
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

    fn roll(&self, arguments: &[u8], call: Option<&mk_call_t>) -> Result<String, Failure> {
        let args = parse_arguments(arguments, &["count", "sides", "seed"], "roll")?;
        let count = integer_field(&args, "count", 1, self.max_dice, "count")?.unwrap_or(1) as u64;
        let sides = integer_field(&args, "sides", MIN_SIDES, MAX_SIDES, "sides")?.unwrap_or(6) as u64;
        let seed = match integer_field(&args, "seed", i64::MIN as i128, u64::MAX as i128, "seed")? {
            // Negative seeds are accepted and reinterpreted, so any 64-bit integer works.
            Some(seed) => seed as u64,
            None => clock_seed(),
        };

        let mut rng = SplitMix64(seed);
        let rolls: Vec<u64> = (0..count).map(|_| 1 + rng.below(sides)).collect();
        let total: u64 = rolls.iter().sum();
        let listed: Vec<String> = rolls.iter().map(|r| r.to_string()).collect();

        self.publish_rolled(total, call);
        Ok(format!("{{\"rolls\":[{}],\"total\":{}}}", listed.join(","), total))
    }

    /// Announces a roll. The roll itself already happened, so a failure here is only logged.
    fn publish_rolled(&self, total: u64, call: Option<&mk_call_t>) {
        let publish = match unsafe { self.events.as_ref() }.and_then(|e| e.publish) {
            Some(publish) => publish,
            None => return,
        };
        // The event belongs to the conversation the roll was made in, when there is one.
        let conversation = call
            .map(|c| unsafe { c.context_json.as_bytes() })
            .and_then(|context| parse_json(context).ok())
            .and_then(|context| match context.get("conversation_id") {
                Some(Json::Str(id)) => Some(id.clone()),
                _ => None,
            });
        let data = format!("{{\"total\":{}}}", total);
        let conversation_str = match &conversation {
            Some(id) => mk_str_t::from_str(id),
            None => mk_str_t::empty(),
        };
        let status = unsafe {
            publish(
                self.host,
                mk_str_t::from_str("dice.rolled"),
                mk_str_t::from_str(&data),
                conversation_str,
                std::ptr::null_mut(),
            )
        };
        if status != MK_OK {
            self.log(MK_LOG_WARNING, "could not publish dice.rolled", &format!("{{\"status\":{}}}", status));
        }
    }

    fn events_seen(&self, arguments: &[u8]) -> Result<String, Failure> {
        parse_arguments(arguments, &[], "events_seen")?;
        // Read both keys under the lock so the count and the type belong to the same event.
        let _guard = self.counter_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = self.read_counter()?;
        let last_type = match self.kv_get(LAST_TYPE_KEY)? {
            Some(bytes) => quote(&String::from_utf8_lossy(&bytes)),
            None => "null".to_string(),
        };
        Ok(format!("{{\"events_seen\":{},\"last_type\":{}}}", count, last_type))
    }

    fn handle_event(&self, envelope: &[u8]) -> Result<(), Failure> {
        // A malformed envelope will not improve on redelivery, so it is rejected for good.
        let envelope = parse_json(envelope)
            .map_err(|e| Failure::new(MK_ERR_REJECTED, format!("the event envelope is not valid JSON: {}", e)))?;
        let event_type = match envelope.get("type") {
            Some(Json::Str(t)) => t.clone(),
            _ => return Err(Failure::new(MK_ERR_REJECTED, "the event envelope has no \"type\" string")),
        };
        let event_id = match envelope.get("id") {
            Some(Json::Str(id)) => quote(id),
            _ => "null".to_string(),
        };

        {
            let _guard = self.counter_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let seen = self.read_counter()?.saturating_add(1);
            self.kv_put(COUNT_KEY, &seen.to_string())?;
            self.kv_put(LAST_TYPE_KEY, &event_type)?;
        }

        self.log(
            MK_LOG_INFO,
            "event received",
            &format!("{{\"type\":{},\"id\":{}}}", quote(&event_type), event_id),
        );
        Ok(())
    }

    /// The stored event count; a missing or unreadable value counts as zero.
    fn read_counter(&self) -> Result<u64, Failure> {
        Ok(self
            .kv_get(COUNT_KEY)?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .unwrap_or(0))
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
        let mut sink = mk_sink_t {
            struct_size: std::mem::size_of::<mk_sink_t>() as u32,
            ctx: &mut value as *mut Vec<u8> as *mut c_void,
            write: Some(collect_into_vec),
        };
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

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// SplitMix64: tiny, fast and fully determined by its seed, which is what repeatable rolls need.
/// Not for anything security-related.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in 0..n (n > 0), rejecting the few values that would bias the modulo.
    fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next();
            if x >= threshold {
                return x % n;
            }
        }
    }
}

/// A seed for unseeded rolls. The counter keeps two rolls in the same clock tick apart.
fn clock_seed() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    nanos ^ call.wrapping_mul(0xD1B5_4A32_D192_ED03)
}

// ---------------------------------------------------------------------------------------------
// Sinks
// ---------------------------------------------------------------------------------------------

/// Writes `text` to a sink owned by the host. Returns the sink's status.
fn write_sink(sink: *mut mk_sink_t, text: &str) -> mk_status_t {
    match unsafe { sink.as_ref() }.and_then(|s| s.write.map(|w| (s.ctx, w))) {
        Some((ctx, write)) => unsafe { write(ctx, text.as_ptr() as *const c_char, text.len()) },
        None => MK_OK,
    }
}

/// The write function of the sinks this plugin hands to the host; `ctx` is a `Vec<u8>`.
unsafe extern "C" fn collect_into_vec(ctx: *mut c_void, ptr: *const c_char, len: usize) -> mk_status_t {
    catch_unwind(AssertUnwindSafe(|| {
        if ctx.is_null() {
            return MK_ERR_INTERNAL;
        }
        let buffer = &mut *(ctx as *mut Vec<u8>);
        if !ptr.is_null() && len > 0 {
            buffer.extend_from_slice(std::slice::from_raw_parts(ptr as *const u8, len));
        }
        MK_OK
    }))
    .unwrap_or(MK_ERR_TOO_LARGE)
}

// ---------------------------------------------------------------------------------------------
// A minimal JSON reader, enough for arguments, configuration and event envelopes
// ---------------------------------------------------------------------------------------------

// Every kind is parsed in full so malformed input is caught anywhere in a document, even
// though the plugin itself only reads some kinds.
#[allow(dead_code)]
enum Json {
    Null,
    Bool(bool),
    /// The number's text as written, checked against the JSON grammar.
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses a whole document that must be a JSON object. An empty input counts as `{}`.
fn parse_object(text: &[u8], what: &str) -> Result<Json, Failure> {
    if text.is_empty() {
        return Ok(Json::Object(Vec::new()));
    }
    match parse_json(text) {
        Ok(value @ Json::Object(_)) => Ok(value),
        Ok(other) => Err(Failure::invalid(format!("{} must be a JSON object, not {}", what, other.kind()))),
        Err(e) => Err(Failure::invalid(format!("invalid JSON in {}: {}", what, e))),
    }
}

/// Parses a tool's arguments and refuses keys the tool does not know.
fn parse_arguments(text: &[u8], known: &[&str], tool: &str) -> Result<Json, Failure> {
    let args = parse_object(text, "the arguments")?;
    if let Json::Object(members) = &args {
        for (key, _) in members {
            if !known.contains(&key.as_str()) {
                let expected = if known.is_empty() { "no arguments".to_string() } else { known.join(", ") };
                return Err(Failure::invalid(format!("unknown argument '{}'; {} takes {}", key, tool, expected)));
            }
        }
    }
    Ok(args)
}

/// Reads an optional integer member within `min..=max`. Absent or null means "not given".
fn integer_field(object: &Json, key: &str, min: i128, max: i128, label: &str) -> Result<Option<i128>, Failure> {
    let value = match object.get(key) {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Number(text)) => integer_value(text),
        Some(_) => None,
    };
    match value {
        Some(v) if v >= min && v <= max => Ok(Some(v)),
        Some(_) => Err(Failure::invalid(format!("{} must be between {} and {}", label, min, max))),
        None => Err(Failure::invalid(format!("{} must be an integer between {} and {}", label, min, max))),
    }
}

/// The value of a JSON number if it is an integer (`3`, `-7`, `3.0`), or None.
fn integer_value(text: &str) -> Option<i128> {
    if text.contains(['e', 'E']) {
        return None;
    }
    let (whole, fraction) = match text.find('.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, ""),
    };
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    whole.parse::<i128>().ok()
}

/// Quotes a string as a JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn parse_json(text: &[u8]) -> Result<Json, String> {
    let mut parser = Parser { s: text, i: 0, depth: 0 };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.i != text.len() {
        return Err(format!("unexpected text after the value at byte {}", parser.i));
    }
    Ok(value)
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() == Some(byte) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", byte as char)))
        }
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.peek() {
            Some(_) => format!("expected {} at byte {}", wanted, self.i),
            None => format!("expected {} but the text ended", wanted),
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        match self.peek() {
            Some(b'{') => self.nested(Parser::object),
            Some(b'[') => self.nested(Parser::array),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn nested(&mut self, parse: fn(&mut Parser<'a>) -> Result<Json, String>) -> Result<Json, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!("nesting deeper than {} levels", MAX_DEPTH));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Result<Json, String> {
        self.expect(b'{')?;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a key string"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let value = self.value()?;
            if members.iter().any(|(k, _)| *k == key) {
                return Err(format!("the key \"{}\" appears twice", key));
            }
            members.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.unexpected("a digit"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit"));
            }
        }
        // Only ASCII was consumed, so this cannot fail.
        let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        Ok(Json::Number(text))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err(self.unexpected("a hex digit")),
            };
            value = value * 16 + digit as u32;
            self.i += 1;
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            let b = match self.peek() {
                Some(b) => b,
                None => return Err("a string is not terminated".to_string()),
            };
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let escape = match self.peek() {
                        Some(e) => e,
                        None => return Err("a string is not terminated".to_string()),
                    };
                    self.i += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(format!("unknown escape '\\{}' at byte {}", escape as char, self.i - 1)),
                    };
                    let mut buffer = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                }
                0x00..=0x1F => return Err(format!("a control character in a string at byte {}", self.i - 1)),
                _ => bytes.push(b),
            }
        }
        String::from_utf8(bytes).map_err(|_| "a string is not valid UTF-8".to_string())
    }

    /// The character after `\u`, joining a surrogate pair when one follows.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.s[self.i..].starts_with(b"\\u") {
                    return Err(format!("an unpaired surrogate at byte {}", self.i));
                }
                self.i += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(format!("an unpaired surrogate at byte {}", self.i));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(format!("an unpaired surrogate at byte {}", self.i)),
            other => other,
        };
        char::from_u32(code).ok_or_else(|| format!("an invalid character escape at byte {}", self.i))
    }
}
