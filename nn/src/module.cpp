// module.cpp — parameter registration, dotted names, the module tree, and Sequential.
#include "nn/module.hpp"

#include <fmt/format.h>

#include <ostream>
#include <unordered_set>

namespace ag::nn {

Module::Module(std::string name) : name_(std::move(name)), path_(name_) {}

void Module::set_name(std::string name) {
  name_ = std::move(name);
  set_path(name_);
}

// ----- registration ------------------------------------------------------------------------------
std::string Module::full_name(const std::string& name) const {
  return path_.empty() ? name : path_ + "." + name;
}

void Module::check_unused(const std::string& name, const std::string& what) const {
  std::string taken;  // what `name` already names here, if anything
  for (const Member& p : params_) {
    if (p.name == name) taken = fmt::format("parameter '{}'", full_name(name));
  }
  for (const Member& b : buffers_) {
    if (b.name == name) taken = fmt::format("buffer '{}'", full_name(name));
  }
  for (size_t k = 0; k < children_.size(); ++k) {
    if (child_names_[k].name == name) {
      taken = fmt::format("child {} '{}'", children_[k]->type_name(), children_[k]->path_);
    }
  }
  if (!taken.empty()) {
    throw ValueError(fmt::format(
        "{}: cannot register {} under the name '{}': it already names {} (each needs a name of "
        "its own; a loop that leaves its index out of the name?)",
        path_, what, name, taken));
  }
}

void Module::register_parameter(const std::string& name, Tensor& member) {
  if (!member.defined()) {
    throw ValueError(fmt::format(
        "{}: parameter '{}' is an empty Tensor handle (give the member its value first)", path_,
        name));
  }
  if (!member.is_leaf()) {
    // A parameter must be a leaf: its gradient accumulates across tapes. An op result would
    // carry a link to the tape that made it.
    throw ValueError(fmt::format("{}: parameter '{}' was made by an op; pass a leaf (detach() it)",
                                 path_, name));
  }
  check_unused(name, fmt::format("parameter '{}'", name));
  member.requires_grad_(true);
  member.set_name(full_name(name));
  params_.push_back({name, &member});
}

void Module::register_buffer(const std::string& name, Tensor& member) {
  if (!member.defined()) {
    throw ValueError(fmt::format("{}: buffer '{}' is an empty Tensor handle", path_, name));
  }
  if (!member.is_leaf() || member.requires_grad()) {
    // A buffer is updated in place, outside any tape: no gradient may flow into it.
    throw ValueError(fmt::format(
        "{}: buffer '{}' must be a leaf without requires_grad (detach() it)", path_, name));
  }
  check_unused(name, fmt::format("buffer '{}'", name));
  member.set_name(full_name(name));
  buffers_.push_back({name, &member});
}

namespace {
// Whether `target` is `root` or one of its descendants. An explicit stack, not recursion: the
// tree may be deep, and this runs before a loop could form.
bool is_within(const Module& root, const Module& target) {
  std::vector<const Module*> stack = {&root};
  std::unordered_set<const Module*> seen;  // a module used twice is searched once
  while (!stack.empty()) {
    const Module* m = stack.back();
    stack.pop_back();
    if (m == &target) return true;
    if (!seen.insert(m).second) continue;
    for (const Module* child : m->children()) stack.push_back(child);
  }
  return false;
}
}  // namespace

void Module::register_module(const std::string& name, Module& child) {
  // A module inside itself would make every walk of the tree (parameters(), names, printing)
  // go round forever.
  if (is_within(child, *this)) {
    throw ValueError(
        fmt::format("{}: cannot register '{}' as child '{}': {} (the module tree would loop)",
                    path_, child.path_, name,
                    &child == this ? "it is this module itself" : "it contains this module"));
  }
  check_unused(name, fmt::format("child {} '{}'", child.type_name(), child.path_));
  const bool named_here = !child.has_parent_;
  if (named_here) {
    child.has_parent_ = true;
    child.name_ = name;
    child.set_path(path_.empty() ? name : path_ + "." + name);
  }
  children_.push_back(&child);
  child_names_.push_back({name, named_here});
}

void Module::set_path(const std::string& path) {
  path_ = path;
  for (const Member& m : params_) {
    if (m.tensor->defined()) m.tensor->set_name(full_name(m.name));
  }
  for (const Member& m : buffers_) {
    if (m.tensor->defined()) m.tensor->set_name(full_name(m.name));
  }
  for (size_t k = 0; k < children_.size(); ++k) {
    if (child_names_[k].named_here) children_[k]->set_path(path_ + "." + children_[k]->name_);
  }
}

// ----- looking at the tree -----------------------------------------------------------------------
// Each entry is read from its member now, so a member given a new tensor since registration is
// listed with that tensor, under the entry's name. A parameter must still be a leaf (an op result
// would tie the model to the tape that made it); it may lack requires_grad, as a frozen one does
// (requires_grad_(false)), and then an optimizer refuses it by name. A buffer must be a leaf
// without requires_grad. `seen` holds the tensors already listed: a tied one is listed at its
// first place only.
void Module::collect(std::vector<NamedTensor>& out, std::unordered_set<const TensorImpl*>& seen,
                     Collect what) const {
  const auto add = [&](const std::vector<Member>& list, bool parameters) {
    for (const Member& m : list) {
      Tensor& tensor = *m.tensor;
      if (!tensor.defined()) continue;  // set to an empty handle: PyTorch's None, none listed
      if (!tensor.is_leaf() || (!parameters && tensor.requires_grad())) {
        throw ValueError(fmt::format(
            "{} '{}': {} '{}' holds a tensor {} (shape {}); {}", type_name(), path_,
            parameters ? "parameter" : "buffer", m.name,
            tensor.is_leaf() ? "with requires_grad" : "made by an op (not a leaf)",
            shape_str(tensor.shape()),
            parameters ? "a parameter is a leaf: detach() it, or make it with ag::zeros, "
                         "ag::uniform, ... and requires_grad = true"
                       : "a buffer is a leaf without requires_grad (detach() it)"));
      }
      if (!seen.insert(&tensor.impl()).second) continue;
      const std::string name = full_name(m.name);
      // The tensor usually has its name already (registration and set_path give it); one put
      // in since registration gets it here. Compared first, so that the usual listing writes
      // nothing that a forward pass on another thread may be reading.
      if (tensor.name() != name) tensor.set_name(name);
      out.push_back({name, tensor});
    }
  };
  if (what.parameters) add(params_, true);
  if (what.buffers) add(buffers_, false);
  for (const Module* child : children_) child->collect(out, seen, what);
}

std::vector<NamedTensor> Module::named_parameters() const {
  std::vector<NamedTensor> out;
  std::unordered_set<const TensorImpl*> seen;
  collect(out, seen, {.parameters = true, .buffers = false});
  return out;
}

std::vector<NamedTensor> Module::named_buffers() const {
  std::vector<NamedTensor> out;
  std::unordered_set<const TensorImpl*> seen;
  collect(out, seen, {.parameters = false, .buffers = true});
  return out;
}

std::vector<NamedTensor> Module::state_dict() const {
  std::vector<NamedTensor> out;
  std::unordered_set<const TensorImpl*> seen;
  collect(out, seen, {.parameters = true, .buffers = true});
  return out;
}

// An explicit stack, not recursion, like is_within above; a module used twice is set once.
Module& Module::train(bool mode) {
  std::vector<Module*> stack = {this};
  std::unordered_set<const Module*> seen;
  while (!stack.empty()) {
    Module* m = stack.back();
    stack.pop_back();
    if (!seen.insert(m).second) continue;
    m->training_ = mode;
    for (Module* child : m->children_) stack.push_back(child);
  }
  return *this;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (NamedTensor& p : named_parameters()) out.push_back(std::move(p.tensor));
  return out;
}

int64_t Module::num_parameters() const {
  int64_t total = 0;
  for (const Tensor& p : parameters()) total += p.numel();
  return total;
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

void Module::print_tree(std::string& out, int indent) const {
  out += fmt::format("{}({})", type_name(), extra_repr());
  if (children_.empty()) return;
  out.pop_back();  // reopen the parenthesis to list the children inside it
  if (!extra_repr().empty()) out += ",";
  out += "\n";
  for (size_t k = 0; k < children_.size(); ++k) {
    out += fmt::format("{:{}}({}): ", "", indent + 2, child_names_[k].name);
    children_[k]->print_tree(out, indent + 2);
    out += "\n";
  }
  out += fmt::format("{:{}})", "", indent);
}

std::string Module::to_string() const {
  std::string out;
  print_tree(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Module& module) {
  return out << module.to_string();
}

// ----- Sequential --------------------------------------------------------------------------------
Sequential::Sequential(std::string name) : UnaryModule(std::move(name)) {}

Sequential::Sequential(std::string name,
                       std::initializer_list<std::shared_ptr<UnaryModule>> modules)
    : UnaryModule(std::move(name)) {
  for (const auto& m : modules) add(m);
}

Sequential& Sequential::add(std::shared_ptr<UnaryModule> module) {
  if (!module) throw ValueError(fmt::format("Sequential '{}': add() got a null module", path()));
  register_module(std::to_string(modules_.size()), *module);
  modules_.push_back(std::move(module));
  return *this;
}

UnaryModule& Sequential::operator[](size_t i) const {
  if (i >= modules_.size()) {
    throw IndexError(fmt::format("Sequential '{}': index {} out of range ({} modules)", path(), i,
                                 modules_.size()));
  }
  return *modules_[i];
}

Tensor Sequential::forward(const Tensor& input) {
  ScopeGuard scope(name());
  Tensor x = input;
  for (const auto& m : modules_) x = m->forward(x);
  return x;
}

}  // namespace ag::nn
