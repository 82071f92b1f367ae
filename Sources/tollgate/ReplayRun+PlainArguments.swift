/// The plain forms of `tollgate replay`, read without ArgumentParser.
///
/// ArgumentParser's parse is most of a short replay's CPU (docs/engine.md, "Start-up"): the first use of each
/// generic type it builds (property wrappers, reflection, its completion-script check) makes the Swift runtime
/// scan every protocol conformance record of this large binary, ~45 times. The forms below are what scripts and
/// `tools/bench` write; anything else — `--data=DIR`, a repeated or unknown option, a value that starts with `-`,
/// `--help`, a value the command would refuse — is left to ArgumentParser, so help, errors and exit codes are
/// always its own. `tools/replay-golden` checks each plain form against the same form parsed by ArgumentParser.
extension ReplayRun {
    /// More arguments than `replay`'s options can fill once each: not a plain form.
    static let plainArgumentCountMax = 10

    /// `replay`'s arguments (after the word `replay`) as a run, or nil when ArgumentParser must read them: each of
    /// `--data DIR`, `--verify`, `--json`, `--until-seq DIGITS`, `--until TIME`, `--credit-enforcement-enabled
    /// true|false` at most once, `--data` present, and what the command's own checks accept.
    init?(plainArguments arguments: ArraySlice<String>) {
        guard arguments.count <= Self.plainArgumentCountMax else { return nil }
        var data: String?
        var creditEnforcementEnabled: String?
        var verify = false
        var json = false
        var untilSeq: Int64?
        var until: String?
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let name = arguments[index]
            index += 1
            switch name {
            case "--verify":
                guard !verify else { return nil }
                verify = true
            case "--json":
                guard !json else { return nil }
                json = true
            case "--data", "--until-seq", "--until", "--credit-enforcement-enabled":
                guard index < arguments.endIndex else { return nil }
                let value = arguments[index]
                index += 1
                guard let first = value.utf8.first, first != UInt8(ascii: "-") else { return nil }
                switch name {
                case "--data":
                    guard data == nil else { return nil }
                    data = value
                case "--until-seq":
                    guard untilSeq == nil, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                        let seq = Int64(value)
                    else { return nil }
                    untilSeq = seq
                case "--until":
                    guard until == nil else { return nil }
                    until = value
                default:
                    guard creditEnforcementEnabled == nil else { return nil }
                    creditEnforcementEnabled = value
                }
            default:
                return nil
            }
        }
        assert(index == arguments.endIndex)
        guard let data else { return nil }
        guard (try? Self.validate(untilSeq: untilSeq, until: until)) != nil,
            (try? BillingOptions.configuration(creditEnforcementEnabled: creditEnforcementEnabled)) != nil
        else { return nil }
        self.init(
            data: data, creditEnforcementEnabled: creditEnforcementEnabled, verify: verify, untilSeq: untilSeq,
            until: until, json: json)
    }
}
