/// A `CONTINUUM_*` boolean variable whose value is neither true nor false.
struct EnvironmentArgumentError: Error, CustomStringConvertible, Equatable {
    /// The variable, `CONTINUUM_SELF_HEAL`.
    var variable: String
    /// What it was set to.
    var value: String
    /// The flag it stands for, `--no-self-heal`.
    var option: String

    var description: String {
        "$\(variable) is '\(value)', which is neither true nor false; set it to true or false (false means \(option)), or unset it"
    }
}
