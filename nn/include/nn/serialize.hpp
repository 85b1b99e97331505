// serialize.hpp — save a module's parameters to a JSON file a person can read, and load them back.
//
// The file lists every parameter by its dotted name, with its shape and its values (row-major),
// one parameter per line, in the module's parameter order:
//
//     {"format": "tapegrad-parameters", "version": 1, "parameters": [
//     {"name":"mlp.0.weight","shape":[16,2],"values":[0.12,-0.5,...]},
//     {"name":"mlp.0.bias","shape":[16],"values":[...]},
//     ...
//     ]}
//
// Doubles are written with the shortest text that reads back to the same number, so a save and
// a load give back exactly the same bits.
//
// Loading checks everything before changing anything: the module and the file must have the
// same parameter names with the same shapes (the order in the file does not matter). The first
// mismatch is a ValueError (a file name or a module parameter the other side lacks) or a
// ShapeError (same name, another shape), and the module is left exactly as it was.
//
// What this file leaves out: optimizer state, buffers, partial (non-strict) loading, binary
// formats.
#pragma once

#include <string>

#include "nn/module.hpp"

namespace ag::nn {

// The JSON text (as above) for a module's parameters, and back.
std::string parameters_to_json(const Module& module);
void parameters_from_json(Module& module, const std::string& json_text);

// The same through a file; errors (cannot open, not JSON, mismatch) name the path.
void save_parameters(const Module& module, const std::string& path);
void load_parameters(Module& module, const std::string& path);

}  // namespace ag::nn
