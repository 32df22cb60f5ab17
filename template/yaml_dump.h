// The YAML text Occopus makes of a mapping: what ruamel.yaml 0.17's
// `yaml.dump(data, default_flow_style=False)` writes for the data its
// Loader reads (YAML 1.2 types, keys sorted, block style, 2-space indents,
// lines folded at 80 columns, non-ASCII escaped in double quotes). Occopus
// dumps a mapping context template this way and renders the text as one
// Jinja template, so the bytes matter: they are what a cloud receives.
#pragma once

#include <string>
#include <vector>

#include "base/value.h"

namespace occam {

// A place where ruamel folds a double-quoted line inside a template tag
// ("{{ … }}", "{% … %}"): Occopus 1.10 then fails with a Jinja syntax error
// on the folding backslash. occam leaves such a line unfolded.
struct TagFold {
  SourceMark mark;       // the scalar's position in its file
  std::string excerpt;   // the start of the scalar, for the message
};

struct YamlDump {
  std::string text;
  std::vector<TagFold> tag_folds;
};

// Dumps `value` as ruamel.yaml 0.17 does with default_flow_style=False.
// Scalars are typed as ruamel's YAML 1.2 Loader types them (`yes` stays a
// string, `0777` is the integer 777); a mapping whose keys Python cannot
// order (numbers beside strings) keeps its written order, as ruamel does.
YamlDump DumpYaml(const Value& value);

}  // namespace occam
