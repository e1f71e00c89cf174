#!/usr/bin/env bash
# The main command: installs what is missing, builds the host and the first-party plugins from
# source, signs them into a local registry, installs them from it, starts a private PostgreSQL,
# makes a demo tenant with the example plugins enabled, chats with its bot, then serves the
# HTTP API until Ctrl-C. Run it again: every step keeps what an earlier run made.
#
#   scripts/run.sh [--no-serve]   --no-serve: set up and chat, then stop (the tests run it twice)
#
#   PORT=8080                 where `market serve` listens
#   MARKET_HOME=DIR           the state directory (default: .build/market-home)
#   MARKET_BIN=PATH           a `market` built already: skips installing and building (the
#                             plugins must be in .build/market-plugins, as scripts/build-plugins.sh leaves them)
#   OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL
#                             a model for the bot (an Ollama on localhost:11434 is used if found)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

serve=yes
case "${1:-}" in
    --no-serve) serve=no ;;
    "") ;;
    *) echo "usage: scripts/run.sh [--no-serve]" >&2; exit 64 ;;
esac

if [ -n "${MARKET_BIN:-}" ]; then
    market="$MARKET_BIN"
else
    scripts/setup.sh
    # Python packages the system would not take live here (see setup.sh).
    [ -x .build-python/bin/python3 ] && export PATH="$root/.build-python/bin:$PATH"
    swift build --product market
    scripts/build-plugins.sh
    market="$(swift build --show-bin-path)/market"
fi
port="${PORT:-8080}"

home="${MARKET_HOME:-$root/.build/market-home}"
mkdir -p "$home"
home="$(cd "$home" && pwd)"
# As root the private cluster runs as `postgres`, which must be able to reach the state folder.
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$home"; then
    home=/var/lib/market-demo
    echo "note: postgres cannot reach the state folder; using $home instead"
    mkdir -p "$home"
fi
export MARKET_HOME="$home"

step() { printf '\n\033[1m$ market %s\033[0m\n' "$*"; "$market" "$@"; }
quietly() { "$market" "$@" >/dev/null 2>&1; }

# A registry of our own: keys made here (never committed), every first-party plugin signed in.
keys="$home/keys"
registry="$home/registry"
[ -f "$keys/root.key" ] || { quietly keygen --out "$keys" --name root; quietly keygen --out "$keys" --name online; }
[ -f "$registry/root.json" ] || step registry init "$registry" --root-key "$keys/root.key" --key "$keys/online.key"
step registry build "$registry" --key "$keys/online.key"
# Asked by name in the JSON listing: the text one numbers its lines ("1. local  …").
"$market" registry list --json 2>/dev/null | grep -Eq '"name" *: *"local"' || step registry add local "$registry" --root "$registry/root.json"
for plugin in textkit dice notes crm webhooks openai anthropic mcp; do
    step install "$plugin" --yes
done
step list

# The store and a demo tenant. The first command on a new database prints the admin token.
step db start
# Only `db migrate` and `serve` change the schema; the commands below refuse an old one.
step db migrate
# (standard error is left alone: the admin token is printed there, once.)
if ! "$market" tenant list | grep -q "^demo "; then
    step tenant create demo --name "Demo bot"
fi
# The built-in CRM and webhooks, so the bot keeps contacts and leads and events can leave.
for plugin in textkit dice notes crm webhooks; do
    step enable "$plugin" --tenant demo
done

# A model, when one can be reached.
model_url="${OPENAI_BASE_URL:-}"
if [ -z "$model_url" ] && curl -fsS -m 1 http://localhost:11434/api/tags >/dev/null 2>&1; then
    model_url="http://localhost:11434/v1"
    OPENAI_MODEL="${OPENAI_MODEL:-llama3.2}"
fi
if [ -n "$model_url" ] || [ -n "${OPENAI_API_KEY:-}" ]; then
    step config openai --tenant demo "base_url=${model_url:-https://api.openai.com/v1}" "model=${OPENAI_MODEL:-gpt-4o-mini}"
    if [ -n "${OPENAI_API_KEY:-}" ]; then
        printf %s "$OPENAI_API_KEY" | "$market" secret set openai api_key --tenant demo
    fi
    step enable openai --tenant demo
fi

printf '\n\033[1m$ market chat --tenant demo\033[0m   (a scripted conversation)\n'
printf '/help\n/word_count text="Market loads plugins written in C, Rust and Swift."\n/roll count=3 sides=20\n/upsert_contact name="Ada Lovelace" phone="+44 20 7946 0958"\n/find_contact phone="+44 (20) 7946-0958"\nWhat can you do?\n' \
    | "$market" chat --tenant demo

cat <<DONE

Market is set up in $home:
  registry   $registry (signed with the keys in $keys)
  plugins    $("$market" list 2>/dev/null | awk '{print $1}' | paste -sd ' ' -)
  database   the private PostgreSQL cluster ($market db status)

Chat with the demo bot:        $market chat --tenant demo
Make a tenant token:           $market tenant token demo
Add a model:                   see docs/model-providers.md (OPENAI_BASE_URL, OPENAI_API_KEY)
Connect a Telegram bot:        TELEGRAM_BOT_TOKEN=… $market telegram connect --tenant demo --mode polling
                               (docs/telegram.md)
The admin token was printed when the tenant was first made (above, on the first run);
make another with: $market tenant token --admin
Stop the database afterwards:  $market db stop
DONE
[ "$serve" = yes ] || exit 0
cat <<DONE

Now serving the HTTP API on http://127.0.0.1:$port (docs/server.md; Ctrl-C stops):
  curl http://127.0.0.1:$port/readyz
  curl -H "Authorization: Bearer <token>" http://127.0.0.1:$port/v1/tenants
DONE
exec "$market" serve --port "$port"
