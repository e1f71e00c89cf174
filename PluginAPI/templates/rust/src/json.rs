//! A small JSON reader and writer, enough for tool arguments, configuration and event
//! envelopes without any dependency. Documents are parsed in full, so malformed input is refused
//! wherever it is: trailing commas, duplicate keys, bad escapes or UTF-8, nesting too deep.

#![allow(dead_code)]

use crate::abi::{invalid, Failure};

pub enum Json {
    Null,
    Bool(bool),
    /// The number's text as written, checked against the JSON grammar.
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object; None for a missing key or a value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of an integer: a number without exponent whose fraction, if any, is all zeros
    /// (`3`, `-7`, `3.0`; JSON Schema's "integer" accepts `3.0` too). None for anything else,
    /// or when it does not fit.
    pub fn as_integer(&self) -> Option<i128> {
        let text = match self {
            Json::Number(text) => text,
            _ => return None,
        };
        if text.contains(['e', 'E']) {
            return None;
        }
        let (whole, fraction) = match text.find('.') {
            Some(dot) => (&text[..dot], &text[dot + 1..]),
            None => (text.as_str(), ""),
        };
        if !fraction.bytes().all(|b| b == b'0') {
            return None;
        }
        whole.parse::<i128>().ok()
    }

    /// The value as an i64, if it is an integer (see `as_integer`) that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_integer().and_then(|v| i64::try_from(v).ok())
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
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

/// Parses a document that must be a JSON object, e.g. the configuration. An empty input is `{}`.
pub fn parse_object(text: &[u8], what: &str) -> Result<Json, Failure> {
    if text.is_empty() {
        return Ok(Json::Object(Vec::new()));
    }
    match parse(text) {
        Ok(value @ Json::Object(_)) => Ok(value),
        Ok(other) => Err(invalid(format!("{} must be a JSON object, not {}", what, other.kind()))),
        Err(e) => Err(invalid(format!("invalid JSON in {}: {}", what, e))),
    }
}

/// Parses the arguments of `tool`, refusing any key not in `known` (the tool's input_schema
/// then says "additionalProperties": false).
pub fn parse_arguments(text: &[u8], known: &[&str], tool: &str) -> Result<Json, Failure> {
    let args = parse_object(text, "the arguments")?;
    if let Json::Object(members) = &args {
        for (key, _) in members {
            if !known.contains(&key.as_str()) {
                let expected = if known.is_empty() { "no arguments".to_string() } else { known.join(", ") };
                return Err(invalid(format!("unknown argument '{}'; {} takes {}", key, tool, expected)));
            }
        }
    }
    Ok(args)
}

/// Reads an optional integer member of `object` within `min..=max`; absent or null is None.
/// `label` names the member in the message of a failure.
pub fn integer_field(object: &Json, key: &str, min: i128, max: i128, label: &str) -> Result<Option<i128>, Failure> {
    let value = match object.get(key) {
        None | Some(Json::Null) => return Ok(None),
        Some(value) => value.as_integer(),
    };
    match value {
        Some(v) if v >= min && v <= max => Ok(Some(v)),
        Some(_) => Err(invalid(format!("{} must be between {} and {}", label, min, max))),
        None => Err(invalid(format!("{} must be an integer between {} and {}", label, min, max))),
    }
}

/// Quotes a string as a JSON string literal, for building output with format!().
pub fn quote(s: &str) -> String {
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

/// Parses one complete JSON document.
pub fn parse(text: &[u8]) -> Result<Json, String> {
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
