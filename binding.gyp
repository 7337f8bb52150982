{
  "targets": [
    {
      "target_name": "furc_probe",
      "sources": [
        "native-probe/src/probe.cc", "native-probe/src/fd.cc", "native-probe/src/mount.cc",
        "native-probe/src/ring.cc", "native-probe/src/mem.cc", "native-probe/src/clientPool.cc",
        "native-probe/src/caps.cc", "native-probe/src/submitWatch.cc", "native-probe/src/race.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
