namespace OrleansCms.Agent;

/// <summary>
/// A program that was registered and started while its ECU was being fenced, and stopped again: its catalogue entry
/// belongs to the failed ECU's restoration, so it is neither retried nor refused (a refusal would let the CMS start
/// it elsewhere a second time).
/// </summary>
internal sealed class ProgramFencedException(string message) : Exception(message);
