"""A small help-desk app that calls Claude and GPT: the demo for `make demo`.

Each module shows one way an LLM bill grows quietly; `clean_assistant.py`
shows the same features written so the prompt cache works.
"""
