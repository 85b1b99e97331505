// serialize.cpp — parameters to and from JSON through nlohmann-json (see serialize.hpp).
#include "nn/serialize.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

namespace ag::nn {

using nlohmann::json;

// One parameter per line, so the file reads as a list of names and shapes:
//     {"format": "tapegrad-parameters", "version": 1, "parameters": [
//     {"name": "mlp.0.weight", "shape": [16, 2], "values": [...]},
//     ...
//     ]}
std::string parameters_to_json(const Module& module) {
  std::string out = R"({"format": "tapegrad-parameters", "version": 1, "parameters": [)";
  const std::vector<NamedTensor> params = module.named_parameters();
  for (size_t k = 0; k < params.size(); ++k) {
    const Tensor& t = params[k].tensor;
    // json keeps keys sorted; name, shape, values happens to be that order too.
    const json entry = {{"name", params[k].name},
                        {"shape", t.shape()},
                        {"values", std::vector<double>(t.data().begin(), t.data().end())}};
    out += '\n';
    out += entry.dump();
    if (k + 1 < params.size()) out += ',';
  }
  out += "\n]}";
  return out;
}

namespace {
// What the file says about one parameter.
struct Stored {
  Shape shape;
  std::vector<double> values;
};

// Reads and checks the file's structure; `where` names the source in errors.
std::unordered_map<std::string, Stored> read_stored(const std::string& text,
                                                    const std::string& where,
                                                    std::vector<std::string>& order) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ValueError(fmt::format("load_parameters: {} is not valid JSON: {}", where, e.what()));
  }
  if (!doc.is_object() || doc.value("format", "") != "tapegrad-parameters" ||
      !doc.contains("parameters") || !doc["parameters"].is_array()) {
    throw ValueError(fmt::format(
        "load_parameters: {} is not a tapegrad parameter file (needs \"format\": "
        "\"tapegrad-parameters\" and a \"parameters\" list)",
        where));
  }
  std::unordered_map<std::string, Stored> stored;
  for (const json& entry : doc["parameters"]) {
    try {
      auto name = entry.at("name").get<std::string>();
      Stored s{entry.at("shape").get<Shape>(), entry.at("values").get<std::vector<double>>()};
      if (static_cast<int64_t>(s.values.size()) != ag::numel(s.shape)) {
        throw ShapeError(fmt::format("load_parameters: {}: '{}' has {} values for shape {}",
                                     where, name, s.values.size(), shape_str(s.shape)));
      }
      if (!stored.emplace(name, std::move(s)).second) {
        throw ValueError(fmt::format("load_parameters: {}: '{}' appears twice", where, name));
      }
      order.push_back(name);
    } catch (const json::exception& e) {
      throw ValueError(fmt::format("load_parameters: {}: a malformed parameter entry ({})", where,
                                   e.what()));
    }
  }
  return stored;
}

void load_from_text(Module& module, const std::string& text, const std::string& where) {
  std::vector<std::string> order;
  const auto stored = read_stored(text, where, order);
  const std::vector<NamedTensor> params = module.named_parameters();

  // Check first, in the module's order; change nothing until everything fits.
  for (const NamedTensor& p : params) {
    auto it = stored.find(p.name);
    if (it == stored.end()) {
      throw ValueError(fmt::format(
          "load_parameters: the module has parameter '{}' (shape {}) but {} does not", p.name,
          shape_str(p.tensor.shape()), where));
    }
    if (it->second.shape != p.tensor.shape()) {
      throw ShapeError(fmt::format(
          "load_parameters: parameter '{}' has shape {} in the module but {} in {}", p.name,
          shape_str(p.tensor.shape()), shape_str(it->second.shape), where));
    }
  }
  if (stored.size() != params.size()) {  // then the file has a name the module lacks
    for (const std::string& name : order) {
      bool known = false;
      for (const NamedTensor& p : params) known = known || p.name == name;
      if (!known) {
        throw ValueError(fmt::format(
            "load_parameters: {} has parameter '{}' but the module does not", where, name));
      }
    }
  }

  for (const NamedTensor& p : params) {
    const Stored& s = stored.at(p.name);
    Tensor t = p.tensor;
    std::copy(s.values.begin(), s.values.end(), t.mutable_data().begin());
  }
}
}  // namespace

void parameters_from_json(Module& module, const std::string& json_text) {
  load_from_text(module, json_text, "the JSON text");
}

void save_parameters(const Module& module, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw ValueError(fmt::format("save_parameters: cannot open '{}' for writing", path));
  out << parameters_to_json(module) << "\n";
  if (!out) throw ValueError(fmt::format("save_parameters: writing '{}' failed", path));
}

void load_parameters(Module& module, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ValueError(fmt::format("load_parameters: cannot open '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  load_from_text(module, text.str(), fmt::format("'{}'", path));
}

}  // namespace ag::nn
