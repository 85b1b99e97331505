// serialize.cpp — parameters and checkpoints to and from JSON through nlohmann-json (see
// serialize.hpp). Sections: numbers JSON cannot write; writing; reading and checking; the
// parameter file; the checkpoint.
#include "nn/serialize.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <sstream>
#include <type_traits>
#include <unordered_map>

#include <io/atomic_file.hpp>

namespace ag::nn {

using nlohmann::json;
// Keeps keys in the order they are added, so an entry reads "name" first.
using ordered_json = nlohmann::ordered_json;

namespace {

// ----- numbers JSON cannot write -----------------------------------------------------------------
// JSON has no NaN or infinity (nlohmann writes them as null, which loses them). They are written
// as strings instead, named as in JSON5 and Python's json module, with the NaN's bits kept:
//     "Infinity", "-Infinity", "NaN" (0x7ff8000000000000), "-NaN" (0xfff8000000000000),
//     "NaN:0x7ff4000000000001" for every other NaN (a signalling NaN, or one with a payload).
constexpr uint64_t quiet_nan_bits = 0x7ff8000000000000;  // exponent all ones, top fraction bit
constexpr uint64_t sign_bit = 0x8000000000000000;

ordered_json to_json_number(double x) {
  if (std::isfinite(x)) return x;
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  const auto bits = std::bit_cast<uint64_t>(x);
  if (bits == quiet_nan_bits) return "NaN";
  if (bits == (quiet_nan_bits | sign_bit)) return "-NaN";
  return fmt::format("NaN:{:#018x}", bits);  // "0x" and all 16 hex digits
}

// The number a string above names, or nothing if it names none.
std::optional<double> from_name(const std::string& name) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (name == "Infinity") return inf;
  if (name == "-Infinity") return -inf;
  if (name == "NaN") return std::bit_cast<double>(quiet_nan_bits);
  if (name == "-NaN") return std::bit_cast<double>(quiet_nan_bits | sign_bit);
  const std::string_view prefix = "NaN:0x";
  if (name.size() == prefix.size() + 16 && name.starts_with(prefix)) {
    uint64_t bits = 0;
    const char* first = name.data() + prefix.size();
    const auto [end, error] = std::from_chars(first, name.data() + name.size(), bits, 16);
    const double x = std::bit_cast<double>(bits);
    if (error == std::errc() && end == name.data() + name.size() && std::isnan(x)) return x;
  }
  return std::nullopt;
}

// What a value of the file is, for an error message: a scalar as written (7, 1.5, "nan"; a long
// string cut short), a list or an object by its kind and size ("a list of 3 values"). Never the
// whole value: nlohmann's dump() recurses, so 100000 nested '[' in a file would overflow the stack
// (and a few thousand would fill the message with brackets).
std::string describe(const json& value) {
  if (value.is_array()) {
    return fmt::format("a list of {} value{}", value.size(), value.size() == 1 ? "" : "s");
  }
  if (value.is_object()) {
    return fmt::format("an object of {} key{}", value.size(), value.size() == 1 ? "" : "s");
  }
  std::string text = value.dump();  // a scalar: no recursion
  constexpr size_t longest = 40;
  if (!value.is_string() || text.size() <= longest) return text;  // (a number is short)
  size_t cut = longest - 8;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return fmt::format("a string of {} bytes, {}...", value.get_ref<const std::string&>().size(),
                     text.substr(0, cut));
}

// The number a value of the file holds: a JSON number, or one of the names above.
std::optional<double> number_in(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return from_name(value.get_ref<const std::string&>());
  return std::nullopt;
}

// One number of the file; `what` names it in errors ("load_checkpoint: 'a.json': optimizer
// option 'lr'").
double from_json_number(const json& value, const std::string& what) {
  if (auto x = number_in(value)) return *x;
  if (value.is_null()) {
    throw ValueError(fmt::format(
        "{} is null: a NaN or infinity saved by an older tapegrad, which wrote them as null; the "
        "number is lost",
        what));
  }
  throw ValueError(
      fmt::format("{} is {}, not a number (non-finite numbers are written \"NaN\", \"-NaN\", "
                  "\"NaN:0x<16 hex digits>\", \"Infinity\" or \"-Infinity\")",
                  what, describe(value)));
}

// One number of a list; `where` names the list in errors ("load_parameters: 'a.json':
// 'fc.weight'"). The name is formatted only for an error: a list may hold millions of numbers.
double from_json_number(const json& value, size_t index, const std::string& where) {
  if (auto x = number_in(value)) return *x;
  return from_json_number(value, fmt::format("{}: value {}", where, index));
}

// A whole number of the file that must fit `Int`: an Adam step count, a generator state word.
// nlohmann's get<Int>() would truncate a fraction (1.5 -> 1) and convert a number outside Int's
// range (1e300) with undefined behaviour, which the fuzzer found (fuzz/load_parameters_fuzz.cpp);
// so only an integer that fits is taken. `what` names it in the error.
template <class Int>
Int from_json_whole(const json& value, const std::string& what) {
  const bool fits = value.is_number_unsigned()
                        ? value.get<uint64_t>() <= uint64_t{std::numeric_limits<Int>::max()}
                        : value.is_number_integer() && std::is_signed_v<Int>;  // negative
  if (!fits) {
    throw ValueError(fmt::format("{} is {}: it must be a whole number from {} to {}", what,
                                 describe(value), std::numeric_limits<Int>::min(),
                                 std::numeric_limits<Int>::max()));
  }
  return value.get<Int>();
}

// ----- writing -----------------------------------------------------------------------------------
ordered_json to_json_numbers(std::span<const double> values) {
  ordered_json list = ordered_json::array();
  for (double x : values) list.push_back(to_json_number(x));
  return list;
}

// Entries one per line, so that a file reads as a list of names:
//     {"name": "mlp.0.weight", ...},
//     {"name": "mlp.0.bias", ...}
std::string one_per_line(const std::vector<ordered_json>& entries) {
  std::string out;
  for (size_t k = 0; k < entries.size(); ++k) {
    out += '\n';
    out += entries[k].dump();
    if (k + 1 < entries.size()) out += ',';
  }
  return out;
}

std::string parameter_lines(const Module& module) {
  std::vector<ordered_json> entries;
  for (const NamedTensor& p : module.state_dict()) {
    entries.push_back({{"name", p.name},
                       {"shape", p.tensor.shape()},
                       {"values", to_json_numbers(p.tensor.data())}});
  }
  return one_per_line(entries);
}

// An optimizer's state: its type and options on the first line, then one line per parameter.
// The options are numbers like the parameters' (an lr of inf is written "Infinity", not null).
std::string optimizer_text(const OptimizerState& state) {
  ordered_json options = ordered_json::object();
  for (const auto& [name, value] : state.options) options[name] = to_json_number(value);
  std::vector<ordered_json> entries;
  for (const ParameterState& p : state.parameters) {
    ordered_json entry = {{"name", p.name}};
    if (p.step > 0) entry["step"] = p.step;
    for (const auto& [buffer, values] : p.buffers) entry[buffer] = to_json_numbers(values);
    entries.push_back(std::move(entry));
  }
  return fmt::format(R"({{"type": {}, "options": {}, "state": [{}{}]}})",
                     ordered_json(state.type).dump(), options.dump(), one_per_line(entries),
                     entries.empty() ? "" : "\n");
}

std::string generator_text(const GeneratorState& state) {
  const ordered_json g = {{"engine", state.engine},
                          {"has_spare", state.has_spare},
                          {"spare", to_json_number(state.spare)}};
  return g.dump();
}

// ----- reading and checking ----------------------------------------------------------------------
// `who` is the function the user called ("load_parameters"), `where` the source ("'a.json'").

std::string read_file(const std::string& path, std::string_view who) {
  // Only a regular file: a device such as /dev/zero never ends, and would be read until memory
  // runs out; a directory or a pipe is not a saved file either.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!error && status.type() != std::filesystem::file_type::regular) {
    throw IOError(
        fmt::format("{}: '{}' is not a regular file (a device, a directory or a pipe); "
                    "give the path of a saved file",
                    who, path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IOError(fmt::format("{}: cannot open '{}': {}", who, path, std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw IOError(fmt::format("{}: reading '{}' failed: {}", who, path, std::strerror(errno)));
  }
  return text.str();
}

// Parses the text and checks that it is a tapegrad file of one of `formats`, of version 1. A
// checkpoint must give its version; a parameter file may omit it (older hand-written ones do).
json parse_file(const std::string& text, const std::vector<std::string>& formats,
                std::string_view who, const std::string& where) {
  json doc;
  // The last key read, and the "name" of the entry it is in, so that an error the parser throws
  // (a number too large for a double, 1e999) can say where it is.
  std::string key, entry;
  const auto track = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key) key = parsed.get<std::string>();
    if (event == json::parse_event_t::value && key == "name" && parsed.is_string()) {
      entry = parsed.get<std::string>();
    }
    return true;
  };
  try {
    doc = json::parse(text, track);
  } catch (const json::exception& e) {  // a syntax error, or a number out of range
    throw ValueError(fmt::format("{}: {} is not valid JSON ({}{}): {}", who, where,
                                 key.empty() ? "before any key" : fmt::format("at key '{}'", key),
                                 entry.empty() ? "" : fmt::format(" of entry '{}'", entry),
                                 e.what()));
  }
  const bool known = doc.is_object() && doc.contains("format") && doc["format"].is_string() &&
                     std::find(formats.begin(), formats.end(), doc["format"].get<std::string>()) !=
                         formats.end();
  if (!known || !doc.contains("parameters") || !doc["parameters"].is_array()) {
    throw ValueError(
        fmt::format("{}: {} is not a {} file (needs \"format\": \"{}\" and a \"parameters\" list)",
                    who, where, fmt::join(formats, " or "), fmt::join(formats, "\" or \"")));
  }
  const std::string format = doc["format"];
  const bool needs_version = format == "tapegrad-checkpoint";
  if (!doc.contains("version") ? needs_version : doc["version"] != 1) {
    throw ValueError(
        fmt::format("{}: {} is a {} file of version {}; this tapegrad reads version 1", who, where,
                    format, doc.contains("version") ? describe(doc["version"]) : "(none given)"));
  }
  return doc;
}

// What the file says about one parameter.
struct Stored {
  Shape shape;
  std::vector<double> values;
};

// A shape: a list of whole numbers >= 0 (3.9 is not a size, and would otherwise load as 3).
Shape read_shape(const json& shape, const std::string& what) {
  if (!shape.is_array()) {
    throw ShapeError(
        fmt::format("{}: \"shape\" is {}, not a list of sizes", what, describe(shape)));
  }
  Shape out;
  for (const json& size : shape) {
    if (!size.is_number_integer() || size.get<int64_t>() < 0) {
      throw ShapeError(fmt::format("{}: size {} of \"shape\" is {}: sizes are whole numbers >= 0",
                                   what, out.size(), describe(size)));
    }
    out.push_back(size.get<int64_t>());
  }
  return out;
}

// Reads the "parameters" list; `order` gets the names in the file's order.
std::unordered_map<std::string, Stored> read_parameters(const json& list, std::string_view who,
                                                        const std::string& where,
                                                        std::vector<std::string>& order) {
  std::unordered_map<std::string, Stored> stored;
  for (const json& entry : list) {
    try {
      auto name = entry.at("name").get<std::string>();
      const json& values = entry.at("values");
      Stored s{read_shape(entry.at("shape"), fmt::format("{}: {}: '{}'", who, where, name)), {}};
      if (!values.is_array() || static_cast<int64_t>(values.size()) != ag::numel(s.shape)) {
        throw ShapeError(fmt::format("{}: {}: '{}' has {} values for shape {}", who, where, name,
                                     values.is_array() ? values.size() : 1, shape_str(s.shape)));
      }
      // (No "parameter" before the name: an entry may be a buffer, and the file does not say.)
      const std::string what = fmt::format("{}: {}: '{}'", who, where, name);
      for (size_t i = 0; i < values.size(); ++i) {
        s.values.push_back(from_json_number(values[i], i, what));
      }
      if (!stored.emplace(name, std::move(s)).second) {
        throw ValueError(fmt::format("{}: {}: '{}' appears twice", who, where, name));
      }
      order.push_back(name);
    } catch (const json::exception& e) {
      throw ValueError(
          fmt::format("{}: {}: a malformed parameter entry ({})", who, where, e.what()));
    }
  }
  return stored;
}

// Throws unless the module and the file have the same names (parameters and buffers) with the
// same shapes. The errors call a module's entry what it is there: a "parameter", or a "buffer"
// (BatchNorm1d's running statistics); the file lists both alike and cannot say.
void check_fits(const Module& module, const std::unordered_map<std::string, Stored>& stored,
                const std::vector<std::string>& order, std::string_view who,
                const std::string& where) {
  const std::vector<NamedTensor> entries = module.state_dict();
  const std::vector<NamedTensor> buffers = module.named_buffers();
  const auto kind = [&](const std::string& name) {
    const bool buffer = std::any_of(buffers.begin(), buffers.end(),
                                    [&](const NamedTensor& b) { return b.name == name; });
    return buffer ? "buffer" : "parameter";
  };
  // In the module's order first, so the error names the module's first missing entry.
  for (const NamedTensor& p : entries) {
    auto it = stored.find(p.name);
    if (it == stored.end()) {
      throw ValueError(fmt::format("{}: the module has {} '{}' (shape {}) but {} does not", who,
                                   kind(p.name), p.name, shape_str(p.tensor.shape()), where));
    }
    if (it->second.shape != p.tensor.shape()) {
      throw ShapeError(fmt::format("{}: {} '{}' has shape {} in the module but {} in {}", who,
                                   kind(p.name), p.name, shape_str(p.tensor.shape()),
                                   shape_str(it->second.shape), where));
    }
  }
  if (stored.size() != entries.size()) {  // then the file has a name the module lacks
    for (const std::string& name : order) {
      bool known = false;
      for (const NamedTensor& p : entries) known = known || p.name == name;
      if (!known) {
        throw ValueError(
            fmt::format("{}: {} has '{}' but the module has no parameter or buffer of that name",
                        who, where, name));
      }
    }
  }
}

// Only after check_fits: nothing here can fail.
void copy_into(Module& module, const std::unordered_map<std::string, Stored>& stored) {
  for (const NamedTensor& p : module.state_dict()) {
    const Stored& s = stored.at(p.name);
    Tensor t = p.tensor;
    std::copy(s.values.begin(), s.values.end(), t.mutable_data().begin());
  }
}

OptimizerState read_optimizer_state(const json& j, std::string_view who, const std::string& where) {
  try {
    OptimizerState state{j.at("type").get<std::string>(), {}, {}};
    const json& options = j.at("options");
    if (!options.is_object()) {
      throw ValueError(fmt::format("{}: {}: the optimizer's \"options\" is {}, not an object", who,
                                   where, describe(options)));
    }
    for (const auto& [key, value] : options.items()) {
      state.options[key] = from_json_number(value, fmt::format("{}: {}: optimizer option '{}'", who,
                                                               where, key));
    }
    for (const json& entry : j.at("state")) {
      ParameterState p;
      for (const auto& [key, value] : entry.items()) {
        if (key == "name") {
          p.name = value.get<std::string>();
        } else if (key == "step") {
          p.step = from_json_whole<int64_t>(value, fmt::format("{}: {}: the step of '{}'", who,
                                                               where, p.name));
        } else {
          const std::string what = fmt::format("{}: {}: optimizer state '{}' of '{}'", who, where,
                                               key, p.name);
          std::vector<double>& buffer = p.buffers[key];
          for (size_t i = 0; i < value.size(); ++i) {
            buffer.push_back(from_json_number(value.at(i), i, what));
          }
        }
      }
      state.parameters.push_back(std::move(p));
    }
    return state;
  } catch (const json::exception& e) {
    throw ValueError(fmt::format("{}: {}: malformed optimizer state ({})", who, where, e.what()));
  }
}

GeneratorState read_generator_state(const json& j, std::string_view who, const std::string& where) {
  try {
    const json& words = j.at("engine");
    if (!words.is_array()) {
      throw ValueError(fmt::format("{}: {}: the generator's \"engine\" is {}, not a list", who,
                                   where, describe(words)));
    }
    std::vector<uint64_t> engine;
    for (size_t i = 0; i < words.size(); ++i) {
      engine.push_back(from_json_whole<uint64_t>(
          words[i], fmt::format("{}: {}: generator engine word {}", who, where, i)));
    }
    return {engine, j.at("has_spare").get<bool>(),
            from_json_number(j.at("spare"),
                             fmt::format("{}: {}: the generator's spare", who, where))};
  } catch (const json::exception& e) {
    throw ValueError(fmt::format("{}: {}: malformed generator state ({})", who, where, e.what()));
  }
}

// ----- the parameter file ------------------------------------------------------------------------
void load_parameters_text(Module& module, const std::string& text, const std::string& where) {
  constexpr std::string_view who = "load_parameters";
  // A checkpoint holds a parameter list too: loading just the model from it is allowed.
  const json doc = parse_file(text, {"tapegrad-parameters", "tapegrad-checkpoint"}, who, where);
  std::vector<std::string> order;
  const auto stored = read_parameters(doc["parameters"], who, where, order);
  check_fits(module, stored, order, who, where);
  copy_into(module, stored);
}

// ----- the checkpoint ----------------------------------------------------------------------------
// Everything is read and checked before anything changes: the parameters against the module, the
// generator's state on a copy of the generator, the optimizer's state by load_state itself (which
// checks before it changes).
void load_checkpoint_text(Module& module, Optimizer& optimizer, Generator& generator,
                          const std::string& text, const std::string& where) {
  constexpr std::string_view who = "load_checkpoint";
  const json doc = parse_file(text, {"tapegrad-checkpoint"}, who, where);
  if (!doc.contains("optimizer") || !doc.contains("generator")) {
    throw ValueError(
        fmt::format("{}: {} has no \"optimizer\" or no \"generator\" entry", who, where));
  }
  std::vector<std::string> order;
  const auto stored = read_parameters(doc["parameters"], who, where, order);
  check_fits(module, stored, order, who, where);
  const OptimizerState optimizer_state = read_optimizer_state(doc["optimizer"], who, where);
  const GeneratorState generator_state = read_generator_state(doc["generator"], who, where);
  Generator restored = generator;
  try {
    restored.set_state(generator_state);
    optimizer.load_state(optimizer_state);
  } catch (const ValueError& e) {  // say which file did not fit
    throw ValueError(fmt::format("{}: {}: {}", who, where, e.what()));
  }
  copy_into(module, stored);
  generator = restored;
}

// ----- PyTorch's state_dict ----------------------------------------------------------------------
// The file's entries are renamed from PyTorch's names to the module's, then checked and copied
// as a parameter file's are.
void load_pytorch_text(Module& module, const std::string& text, const std::string& where) {
  constexpr std::string_view who = "load_pytorch_state_dict";
  const json doc = parse_file(text, {"pytorch-state-dict"}, who, where);
  std::vector<std::string> order;
  auto stored = read_parameters(doc["parameters"], who, where, order);
  std::unordered_map<std::string, Stored> renamed;
  for (const NamedTensor& p : module.state_dict()) {
    const std::string theirs = pytorch_name(module, p.name);
    auto it = stored.find(theirs);
    if (it == stored.end()) {
      throw ValueError(fmt::format(
          "{}: the module has '{}' (shape {}), '{}' in PyTorch's state_dict, but {} does not", who,
          p.name, shape_str(p.tensor.shape()), theirs, where));
    }
    renamed.emplace(p.name, std::move(it->second));
    stored.erase(it);
  }
  if (!stored.empty()) {  // a name the module has no place for: the first in the file's order
    for (const std::string& name : order) {
      if (stored.count(name) == 0) continue;
      throw ValueError(fmt::format("{}: {} has '{}', which is no entry of the module's state_dict",
                                   who, where, name));
    }
  }
  std::vector<std::string> names;
  for (const NamedTensor& p : module.state_dict()) names.push_back(p.name);
  check_fits(module, renamed, names, who, where);  // (the shapes)
  copy_into(module, renamed);
}

}  // namespace

std::string pytorch_name(const Module& module, const std::string& name) {
  std::string rest = name;
  const std::string own = module.name() + ".";
  if (rest.starts_with(own)) rest = rest.substr(own.size());
  // The dotted parts, then the last one (and the "layer<k>" before it) renamed.
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = rest.find('.', start);
    parts.push_back(rest.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const std::string last = parts.back();
  if (last == "W_ih" || last == "W_hh" || last == "b_ih" || last == "b_hh") {
    std::string theirs = (last[0] == 'W' ? "weight_" : "bias_") + last.substr(2);  // weight_ih
    const std::string& before = parts.size() >= 2 ? parts[parts.size() - 2] : "";
    const bool layer = before.size() > 5 && before.starts_with("layer") &&
                       before.find_first_not_of("0123456789", 5) == std::string::npos;
    parts.pop_back();
    if (layer) {
      theirs += "_l" + before.substr(5);  // weight_ih_l0
      parts.pop_back();
    }
    parts.push_back(theirs);
  }
  return fmt::format("{}", fmt::join(parts, "."));
}

void load_pytorch_state_dict(Module& module, const std::string& path) {
  load_pytorch_text(module, read_file(path, "load_pytorch_state_dict"), fmt::format("'{}'", path));
}

void pytorch_state_dict_from_json(Module& module, const std::string& json_text) {
  load_pytorch_text(module, json_text, "the JSON text");
}

std::string parameters_to_json(const Module& module) {
  return R"({"format": "tapegrad-parameters", "version": 1, "parameters": [)" +
         parameter_lines(module) + "\n]}";
}

void parameters_from_json(Module& module, const std::string& json_text) {
  load_parameters_text(module, json_text, "the JSON text");
}

void save_parameters(const Module& module, const std::string& path) {
  write_file_atomically(path, parameters_to_json(module) + "\n", "save_parameters");
}

void load_parameters(Module& module, const std::string& path) {
  load_parameters_text(module, read_file(path, "load_parameters"), fmt::format("'{}'", path));
}

std::string checkpoint_to_json(const Module& module, const Optimizer& optimizer,
                               const Generator& generator) {
  return R"({"format": "tapegrad-checkpoint", "version": 1, "parameters": [)" +
         parameter_lines(module) + "\n],\n\"optimizer\": " + optimizer_text(optimizer.state()) +
         ",\n\"generator\": " + generator_text(generator.state()) + "}";
}

void checkpoint_from_json(Module& module, Optimizer& optimizer, Generator& generator,
                          const std::string& json_text) {
  load_checkpoint_text(module, optimizer, generator, json_text, "the JSON text");
}

void save_checkpoint(const std::string& path, const Module& module, const Optimizer& optimizer,
                     const Generator& generator) {
  write_file_atomically(path, checkpoint_to_json(module, optimizer, generator) + "\n",
                        "save_checkpoint");
}

void load_checkpoint(const std::string& path, Module& module, Optimizer& optimizer,
                     Generator& generator) {
  load_checkpoint_text(module, optimizer, generator, read_file(path, "load_checkpoint"),
                       fmt::format("'{}'", path));
}

}  // namespace ag::nn
