#!/usr/bin/env python3
"""The layers the build enforces (cmake/RightmomentLayers.cmake, docs/architecture.md).

For each layer, one of its own source files' compile command is taken from the build's
compile_commands.json, and a one-line probe that includes a header is compiled with exactly that
command (-fsyntax-only). A header of a layer it links must compile; a header of a layer above it,
or beside it without a link, must fail with "No such file or directory", and nothing else.

usage: layering_test.py BUILD_DIR
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

# layer: (a source file of it, headers it may include, headers it must not)
LAYERS = {
    "rm_core": ("plugin/core/canonical_event.cpp",
                ["plugin/core/event_sink.hpp", "plugin/core/adapter_registry.hpp"],
                ["plugin/engine/engine.hpp", "plugin/language/language_analyzer.hpp", "plugin/history/history_store.hpp",
                 "plugin/transport/transport_service.hpp", "adapters/events/builtin_adapters.hpp"]),
    "rm_language": ("plugin/language/lexicon_analyzer.cpp",
                    ["plugin/core/canonical_event.hpp"],
                    ["plugin/rules/rule_set.hpp", "plugin/engine/engine.hpp"]),
    "rm_rules": ("plugin/rules/compiled_rule_set.cpp",
                 ["plugin/language/language_analyzer.hpp", "plugin/config/config_reader.hpp"],
                 ["plugin/engine/engine.hpp", "plugin/config/plugin_config.hpp", "plugin/history/history_store.hpp"]),
    "rm_history": ("plugin/history/history_importer.cpp",
                   ["plugin/history/prompt_bus.hpp"],
                   ["adapters/history/open_history_store.hpp", "plugin/engine/engine.hpp"]),
    "rm_engine": ("plugin/engine/engine.cpp",
                  ["plugin/rules/rule_set.hpp", "plugin/history/history_store.hpp", "plugin/core/event_sink.hpp"],
                  ["plugin/transport/transport_service.hpp", "plugin/web/popup_hub.hpp", "plugin/runtime/plugin_runtime.hpp",
                   "adapters/events/builtin_adapters.hpp", "adapters/history/open_history_store.hpp",
                   "plugin/config/plugin_config.hpp"]),
    # The session layer depends on Beast (rm_beast) only: nothing of ours above it.
    "rm_net": ("plugin/net/io_loop.cpp",
               ["plugin/transport/server_full_answer.hpp", "plugin/net/websocket_session.hpp"],
               ["plugin/core/canonical_event.hpp", "plugin/transport/transport_service.hpp", "plugin/web/http_server.hpp"]),
    "rm_transport": ("plugin/transport/transport_service.cpp",
                     ["plugin/core/adapter_registry.hpp", "plugin/transport/server_tls.hpp", "plugin/net/websocket_session.hpp"],
                     ["adapters/events/builtin_adapters.hpp", "plugin/engine/engine.hpp", "plugin/web/http_server.hpp",
                      "plugin/history/history_store.hpp"]),
    "rm_web": ("plugin/web/http_server.cpp",
               ["plugin/transport/server_tls.hpp", "plugin/core/delivered_prompt.hpp"],
               ["plugin/engine/engine.hpp", "plugin/transport/transport_service.hpp",
                "adapters/events/builtin_adapters.hpp", "plugin/runtime/plugin_runtime.hpp"]),
    "rm_adapters_events": ("adapters/events/builtin_adapters.cpp",
                           ["plugin/core/adapter_registry.hpp"],
                           ["plugin/engine/engine.hpp", "plugin/transport/transport_service.hpp",
                            "adapters/history/open_history_store.hpp"]),
    "rm_adapters_history": ("adapters/history/open_history_store.cpp",
                            ["plugin/history/history_store.hpp"],
                            ["plugin/engine/engine.hpp", "adapters/events/builtin_adapters.hpp", "plugin/web/popup_hub.hpp"]),
    # The reference host knows the SDK only: it dlopens the plugin.
    "rightmoment-host": ("sdk/host/main.cpp",
                         ["rightmoment/plugin.hpp", "sdk/host/replay/replay_client.hpp"],
                         ["plugin/core/canonical_event.hpp", "plugin/engine/engine.hpp", "plugin/runtime/plugin_runtime.hpp"]),
}


def command_for(entries, source):
    for e in entries:
        if e["file"].endswith("/" + source):
            args = e.get("arguments") or shlex.split(e["command"])
            return e["directory"], args
    return None, None


def probe_command(args, probe):
    out, skip = [], False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if i == 0 and os.path.basename(a) == "ccache":
            continue
        if a in ("-o", "-MF", "-MT", "-MQ", "-c"):
            skip = True
            continue
        if a in ("-MD", "-MMD"):
            continue
        out.append(a)
    # The last argument left is the source file.
    out = [a for a in out if not a.endswith((".cpp", ".cc", ".c"))]
    return out + ["-fsyntax-only", probe]


def main():
    build = sys.argv[1]
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    failures, checked = [], 0
    with tempfile.TemporaryDirectory(dir=os.environ.get("RIGHTMOMENT_TEST_TMP")) as tmp:
        for layer, (source, allowed, forbidden) in LAYERS.items():
            directory, args = command_for(entries, source)
            if args is None:
                failures.append(f"{layer}: no compile command for {source} in compile_commands.json")
                continue
            for header, expect_ok in [(h, True) for h in allowed] + [(h, False) for h in forbidden]:
                probe = os.path.join(tmp, "probe.cpp")
                with open(probe, "w") as f:
                    f.write(f'#include "{header}"\n')
                r = subprocess.run(probe_command(args, probe), cwd=directory, capture_output=True, text=True)
                checked += 1
                if expect_ok and r.returncode != 0:
                    failures.append(f"{layer} may include {header}, but it does not compile:\n{r.stderr[:800]}")
                elif not expect_ok and r.returncode == 0:
                    failures.append(f"{layer} must not include {header}, and it compiles")
                elif not expect_ok and "No such file or directory" not in r.stderr:
                    failures.append(f"{layer} including {header} fails, but not for the layering:\n{r.stderr[:800]}")
                else:
                    print(f"ok   {layer:20} {'may' if expect_ok else 'not'} {header}")
    for f in failures:
        print("FAIL " + f)
    print(f"layering: {checked - len(failures)} of {checked} checks hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
