// serialize.hpp — save a module's parameters to a JSON file a person can read, and load them
// back; save a whole training run (parameters, optimizer, random generator) as a checkpoint.
//
// The file lists every parameter by its dotted name, with its shape and its values (row-major),
// one parameter per line, in the module's state_dict order (module.hpp). A module's buffers
// (BatchNorm1d's running_mean, running_var, num_batches_tracked) are entries of the same list,
// as in PyTorch's state_dict; a model without buffers writes exactly its parameters:
//
//     {"format": "tapegrad-parameters", "version": 1, "parameters": [
//     {"name":"mlp.0.weight","shape":[16,2],"values":[0.12,-0.5,...]},
//     {"name":"mlp.0.bias","shape":[16],"values":[...]},
//     ...
//     ]}
//
// Doubles are written as text that reads back to the same number (nlohmann::json's Grisu2: the
// shortest such text almost always, now and then one digit longer), so a save and a load give
// back exactly the same bits. JSON has no NaN or infinity, so those are written as
// strings (the names JSON5 and Python's json module use), and read back bit for bit:
//
//     "Infinity", "-Infinity"   the two infinities
//     "NaN", "-NaN"             the quiet NaN with no payload (0x7ff8000000000000) and its negative
//                               (0xfff8000000000000, what x86 makes of 0/0 or inf - inf)
//     "NaN:0x7ff4000000000001"  any other NaN (signalling, or with a payload): all 64 bits in hex
//
// A checkpoint (below) writes the optimizer's options and state and the generator's spare number
// the same way. A diverged model therefore saves and loads like any other, as in PyTorch. An
// optimizer whose options were set to what it refuses (an lr of infinity, between steps) saves
// them as they are, and loading that checkpoint refuses them as the optimizer does (optim.hpp).
//
// Saving never destroys the file it replaces: the text goes to a temporary file beside it, every
// write is checked, the file is synced to disk and then renamed over the old one. If anything
// fails (a full disk, a missing directory) the save throws ag::IOError with the path and the
// system's reason, and the old file is left byte for byte. A file-size limit (`ulimit -f`) is an
// IOError too where the program ignores SIGXFSZ; by default the kernel kills the program instead
// (exit status 153), which leaves the old file byte for byte as well, and a temporary file beside
// it (io/atomic_file.hpp says more).
//
// Loading checks everything before changing anything: the module and the file must have the
// same parameter names with the same shapes (the order in the file does not matter). The first
// mismatch is a ValueError (a file name or a module parameter the other side lacks) or a
// ShapeError (same name, another shape), and the module is left exactly as it was. The error
// calls a module's entry a "parameter" or a "buffer", as the module registered it.
// load_parameters also takes a checkpoint (below) and loads its parameters alone.
//
// A PyTorch model's weights load too: tools/export_state_dict.py writes its state_dict as JSON
// (see "PyTorch's state_dict" below), under PyTorch's names, which load_pytorch_state_dict maps.
//
// What this file leaves out: partial (non-strict) loading, binary formats, PyTorch's pickle
// files (.pt: the script turns them into JSON).
#pragma once

#include <string>

#include "nn/module.hpp"
#include "nn/optim.hpp"

namespace ag::nn {

// The JSON text (as above) for a module's parameters, and back.
std::string parameters_to_json(const Module& module);
void parameters_from_json(Module& module, const std::string& json_text);

// The same through a file; errors (cannot open or write, not JSON, mismatch) name the path.
void save_parameters(const Module& module, const std::string& path);
void load_parameters(Module& module, const std::string& path);

// ----- checkpoints: stop training and resume it exactly ------------------------------------------
//
// A checkpoint holds everything a training loop carries from one step to the next: the module's
// parameters, the optimizer's state (its options, SGD's momentum buffers, Adam's two moments and
// step counts; see Optimizer::state()) and the random generator's state (for shuffling, dropout
// masks or freshly drawn batches). In PyTorch one would write
//
//     torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
//                 "rng": gen.get_state()}, path)
//
// Training k steps, saving, loading into fresh objects and training k more gives, bit for bit,
// the parameters of a run that never stopped. The file is the parameter file's JSON with two
// more entries (same number encoding, same atomic save):
//
//     {"format": "tapegrad-checkpoint", "version": 1, "parameters": [
//     {"name":"mlp.0.weight","shape":[16,2],"values":[...]},
//     ...
//     ],
//     "optimizer": {"type": "SGD", "options": {"lr": 0.1, "momentum": 0.9, ...}, "state": [
//     {"name":"mlp.0.weight","momentum_buffer":[...]},
//     ...
//     ]},
//     "generator": {"engine": [313 numbers: std::mt19937_64's 312 words and its index, ...],
//     "has_spare": false,
//     "spare": 0.0}}
//
// Loading checks the format and the version (a file from another version is a ValueError that
// says which), then the parameters, the optimizer's state and the generator's state, before it
// changes any of the three.
std::string checkpoint_to_json(const Module& module, const Optimizer& optimizer,
                               const Generator& generator);
void checkpoint_from_json(Module& module, Optimizer& optimizer, Generator& generator,
                          const std::string& json_text);
void save_checkpoint(const std::string& path, const Module& module, const Optimizer& optimizer,
                     const Generator& generator);
void load_checkpoint(const std::string& path, Module& module, Optimizer& optimizer,
                     Generator& generator);

// ----- PyTorch's state_dict ----------------------------------------------------------------------
//
// In Python, `/usr/bin/python3 tools/export_state_dict.py model.pt model.json` (or
// export_state_dict.save(model, "model.json")) writes a model's state_dict as
//
//     {"format": "pytorch-state-dict", "version": 1, "parameters": [
//     {"name": "weight_ih_l0", "shape": [12, 2], "values": [...]},
//     ...
//     ]}
//
// with PyTorch's names. load_pytorch_state_dict loads it into the tapegrad module of the same
// architecture: shapes and the order of the values are PyTorch's, only the names differ, and
// pytorch_name gives the PyTorch name of each of the module's state_dict entries. The checks are
// load_parameters': every name and shape first (a name missing on either side, a shape that
// differs: the error gives both names), then the copy; the module is left as it was on error.

// PyTorch's state_dict name for `name`, one of module.state_dict()'s: the module's own name is
// dropped (a top-level PyTorch module has none), and the recurrent weights take PyTorch's names:
//
//     layer<k>.W_ih -> weight_ih_l<k>   layer<k>.W_hh -> weight_hh_l<k>     (LSTM, GRU, RNN)
//     layer<k>.b_ih -> bias_ih_l<k>     layer<k>.b_hh -> bias_hh_l<k>
//     W_ih -> weight_ih  W_hh -> weight_hh  b_ih -> bias_ih  b_hh -> bias_hh  (their cells)
//
// Everything else is the same in both ("mlp.0.weight" -> "0.weight", "bn.running_var" ->
// "running_var").
std::string pytorch_name(const Module& module, const std::string& name);

void load_pytorch_state_dict(Module& module, const std::string& path);
void pytorch_state_dict_from_json(Module& module, const std::string& json_text);

}  // namespace ag::nn
