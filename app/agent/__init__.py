"""The model side: the LLM client, the tool loop and the tools."""
