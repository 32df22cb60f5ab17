// How ruamel.yaml 0.17's Loader (YAML 1.2, what Occopus 1.10 reads its
// descriptors with) types a plain scalar, and how Python then prints it.
// `yes`, `on` and `0777`'s octal reading are YAML 1.1's: here `yes` is a
// string and `0777` the integer 777.
#pragma once

#include <string>

namespace occam {

// "str", "int", "float", "bool", "null", "timestamp", or "merge" ("<<")
// and "value" ("="), which ruamel resolves but does not construct.
std::string ResolvedYamlType(const std::string& plain);

// Python's str() of what ruamel reads, for each type above: "0x1F" -> "31",
// "1e3" -> "1000.0", "2001-12-14 21:59:43 -5" -> "2001-12-15 02:59:43".
std::string YamlIntText(const std::string& plain);
std::string YamlFloatText(const std::string& plain);
std::string YamlTimestampText(const std::string& plain);

// Python's repr() of a float: the shortest digits that read back,
// positional from 1e-4 to below 1e16 ("1000.0", "1e+16", "1.5e-05").
std::string PythonFloatRepr(double d);

}  // namespace occam
