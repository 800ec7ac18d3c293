import sys
from pathlib import Path

import torch

TOOLS = Path(__file__).resolve().parents[1]
REPO = TOOLS.parent
sys.path.insert(0, str(TOOLS))
torch.set_num_threads(2)
