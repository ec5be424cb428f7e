// The ECU agent is built by the issue "EcuAgent"; until then it only explains itself.
Console.Error.WriteLine("cms agent: the ECU agent is not implemented yet.");
return 2;
