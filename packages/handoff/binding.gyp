{
  "targets": [
    {
      "target_name": "handoff",
      "sources": ["src/handoff.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11"]
    }
  ]
}
