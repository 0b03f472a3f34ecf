import os
os.environ['FORGED'] = '1'
