"""Reference systems that are not trained here: they wrap an outside model and speak the harness's Python
protocol (``readouts evaluate --model readouts.systems.<module>:<Class> --model-arg KEY=VALUE``).

- ``chat``: any model behind an OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp's server,
  Ollama, a hosted API)."""
