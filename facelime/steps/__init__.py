"""The workflow's steps: one module per stage, one function per rule that runs a script.

Each script in scripts/ calls exactly one step through facelime.workflow_io.run_step.
A step's keyword-only arguments are named as its rule's inputs, outputs, params and
wildcards (plus threads, and the speed-only settings and the explainer from facelime.plan.settings
when a step asks for `speed`, `method`, `method_settings`). Steps
read and write the files; the science they call takes and returns arrays.
"""
