{
  "targets": [
    {
      "target_name": "handoff",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["src/handoff.c", "src/gate.c", "src/relay.c", "src/notify.c"],
          "defines": ["NAPI_VERSION=8"],
          "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
