extension Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.sssZ`: the output form of every time billing prints (same as ``rfc3339``).
    func civilUTCString() -> String { rfc3339 }
}
