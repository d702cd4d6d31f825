{
  "targets": [
    {
      "target_name": "cellsearch_native",
      "sources": ["src/addon.c", "src/gemm.c"],
      "cflags": ["-O3", "-march=native", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2", "-O0", "-O1"],
      "libraries": ["-ldl"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-march=native", "-std=gnu11"]
      }
    }
  ]
}
