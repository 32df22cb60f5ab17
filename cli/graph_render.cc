#include "cli/graph_render.h"

namespace occam {
namespace {

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// "x1" or "x1..5": how many instances the node type may have.
std::string ScalingText(const ScalingRange& s) {
  std::string out = "x";
  out += std::to_string(s.min);
  if (s.max != s.min) out += ".." + std::to_string(s.max);
  return out;
}

}  // namespace

std::string RenderLevels(const Descriptor& d, const NodeGraph& g) {
  std::string out;
  std::vector<std::vector<int>> levels = g.Levels();
  for (size_t i = 0; i < levels.size(); ++i) {
    out += "level " + std::to_string(i) + ":";
    for (size_t j = 0; j < levels[i].size(); ++j) {
      out += (j ? ", " : " ") + d.nodes[levels[i][j]].name;
    }
    out += "\n";
  }
  return out;
}

std::string RenderDot(const Descriptor& d, const NodeGraph& g) {
  std::string out = "digraph " + Quoted(d.infra_name) + " {\n";
  out += "  rankdir = \"BT\";\n";
  for (int v : g.BuildOrder()) {
    const NodeSpec& n = d.nodes[v];
    out += "  " + Quoted(n.name) + " [label=" +
           Quoted(n.name + "\n" + n.implementation.resource_type + " " +
                  ScalingText(n.scaling)) +
           "];\n";
  }
  for (int v : g.BuildOrder()) {
    for (int dep : g.dag().DependenciesOf(v)) {
      out += "  " + Quoted(d.nodes[v].name) + " -> " +
             Quoted(d.nodes[dep].name) + ";\n";
    }
  }
  return out + "}\n";
}

}  // namespace occam
