// Compiling a generated descriptor of 10,000 node types and 30,000
// dependencies (bench/generate_descriptor.py), whole and by stage.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "descriptor/compiler.h"
#include "descriptor/yaml_reader.h"

namespace occam {
namespace {

// Generates the descriptor once per process.
const std::string& DescriptorDir() {
  static const std::string dir = [] {
    std::string path =
        (std::filesystem::temp_directory_path() / "occam-bench-10k").string();
    std::string command = "python3 " OCCAM_SOURCE_DIR
                          "/bench/generate_descriptor.py " + path +
                          " --nodes 10000 --dependencies 30000";
    if (std::system(command.c_str()) != 0) std::abort();
    return path;
  }();
  return dir;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void BM_CompileDescriptor(benchmark::State& state) {
  CompileOptions options;
  options.infra_path = DescriptorDir() + "/infra.yaml";
  for (auto _ : state) {
    Descriptor d;
    NodeGraph g;
    Diagnostics diags;
    if (!CompileDescriptor(options, &d, &g, &diags)) {
      state.SkipWithError(diags.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(d.nodes.data());
  }
}
BENCHMARK(BM_CompileDescriptor)->Unit(benchmark::kMillisecond)->UseRealTime();

// The YAML parse of each file alone: most of the compile time.
void BM_ParseYaml(benchmark::State& state, const char* file) {
  std::string text = ReadAll(DescriptorDir() + file);
  auto name = std::make_shared<const std::string>(file);
  for (auto _ : state) {
    Value v;
    Diagnostics diags;
    ReadYaml(text, name, {}, &v, &diags);
    benchmark::DoNotOptimize(v.entries().data());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK_CAPTURE(BM_ParseYaml, infra, "/infra.yaml")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseYaml, node_definitions,
                  "/nodes/node_definitions.yaml")
    ->Unit(benchmark::kMillisecond);

// Cycle check and build levels of the same graph.
void BM_NodeGraph(benchmark::State& state) {
  CompileOptions options;
  options.infra_path = DescriptorDir() + "/infra.yaml";
  Descriptor d;
  NodeGraph g;
  Diagnostics diags;
  if (!CompileDescriptor(options, &d, &g, &diags)) std::abort();
  for (auto _ : state) {
    NodeGraph graph;
    graph.Build(d, &diags);
    benchmark::DoNotOptimize(graph.Levels().size());
  }
}
BENCHMARK(BM_NodeGraph)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace occam

BENCHMARK_MAIN();
